# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The new-style configs shipped in the package (``mmunirgbir/configs``)."""
import json
import os
import os.path as osp
import runpy
import subprocess
import sys

from mmengine.config import Config

from mmunirgbir.utils.packaged_config import (PACKAGE_CONFIGS, module_name,
                                              packaged_config)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REFERENCE = ('configs/demo/'
             'faster-rcnn_unirgbir-vit-tiny_simplefpn_1xb4-12e_synthetic-rgbir.py')


def _original(config: str) -> dict:
    return Config.fromfile(osp.join(REPO, config)).to_dict()


def test_every_packaged_config_file_has_its_module():
    tool = runpy.run_path(osp.join(REPO, 'tools/misc/package_configs.py'))
    write, remove = tool['plan']()
    assert (write, remove) == ([], []), (
        'run tools/misc/package_configs.py', write, remove)


def test_module_reads_its_config():
    assert module_name('cascade-rcnn_unirgbir-vit-b_simplefpn_16xb4-lsj-'
                       '100e_flir-aligned.py') == (
                           'cascade_rcnn_unirgbir_vit_b_simplefpn_16xb4_lsj_'
                           '100e_flir_aligned')
    module = osp.join(PACKAGE_CONFIGS, 'demo',
                      f'{module_name(REFERENCE)}.py')
    cfg = packaged_config(module)
    assert cfg == _original(REFERENCE)
    try:
        packaged_config(osp.join(PACKAGE_CONFIGS, 'demo', 'no_such.py'))
    except FileNotFoundError as e:
        assert 'no_such.py' in str(e) and 'demo/no_such' in str(e)
    else:
        raise AssertionError('a module without its file must fail')


DOWNSTREAM = '''\
from mmengine.config import read_base

with read_base():
    from mmunirgbir.configs.demo.{module} import *  # noqa: F401,F403

model.roi_head.bbox_head.update(num_classes=5)
'''
BUILD_AND_DUMP = '''\
import json, sys
from mmengine.config import Config
from mmengine.registry import init_default_scope
cfg = Config.fromfile('my_detector.py')
import mmunirgbir
from mmdet.registry import MODELS
cfg.dump('dumped.py')  # before building: mmdet's detectors edit cfg.model
init_default_scope(cfg.default_scope)
model = MODELS.build(cfg.model)
print(json.dumps(dict(package=mmunirgbir.__file__,
                      num_classes=model.roi_head.bbox_head.num_classes)))
'''


def _inherit_in_new_project(python: str, folder) -> dict:
    """In a new folder with nothing set in the environment, ``python`` runs
    a config that inherits the demo config through ``read_base()`` and
    changes one field; the model builds, and the dump is the original with
    that one change. Returns what the run printed."""
    project = folder / 'my_project'
    project.mkdir()
    (project / 'my_detector.py').write_text(
        DOWNSTREAM.format(module=module_name(REFERENCE)))
    (project / 'build_and_dump.py').write_text(BUILD_AND_DUMP)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('MMUNIRGBIR', 'PYTHONPATH'))}
    run = subprocess.run([python, 'build_and_dump.py'], cwd=project, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result['num_classes'] == 5
    expected = _original(REFERENCE)
    expected['model']['roi_head']['bbox_head']['num_classes'] = 5
    dumped = Config.fromfile(str(project / 'dumped.py')).to_dict()
    assert json.dumps(dumped, sort_keys=True, default=str) == json.dumps(
        expected, sort_keys=True, default=str)
    return result


def test_downstream_config_inherits_this_environments_install(tmp_path):
    """The install of this environment (``make install``: editable)."""
    result = _inherit_in_new_project(sys.executable, tmp_path)
    import mmunirgbir
    assert result['package'] == mmunirgbir.__file__


def test_downstream_config_inherits_an_installed_wheel(tmp_path):
    """A wheel of this checkout, installed in a fresh virtual environment."""
    src = tmp_path / 'src'
    files = subprocess.run(
        ['git', 'ls-files', '-co', '--exclude-standard'], cwd=REPO,
        check=True, capture_output=True, text=True).stdout.split()
    for f in files:
        if f.startswith(('configs/', 'tools/', 'mmunirgbir/', 'requirements/')
                        ) or '/' not in f:
            os.makedirs(src / osp.dirname(f), exist_ok=True)
            if osp.isfile(osp.join(REPO, f)):
                (src / f).write_bytes(open(osp.join(REPO, f), 'rb').read())
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
                    '--no-build-isolation', '-q', str(src), '-w',
                    str(tmp_path / 'dist')], check=True, capture_output=True)
    (wheel, ) = (tmp_path / 'dist').glob('mmunirgbir_toolbox-*.whl')
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--system-site-packages',
                    '--without-pip', str(venv)], check=True)
    # --ignore-installed: leave this environment's own install alone
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '-q',
                    '--ignore-installed', '--prefix', str(venv), str(wheel)],
                   check=True, capture_output=True)
    result = _inherit_in_new_project(str(venv / 'bin' / 'python'), tmp_path)
    assert result['package'].startswith(str(venv))  # the wheel, not this tree

