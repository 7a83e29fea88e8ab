# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Packaging for mmunirgbir (UniRGB-IR as an OpenMMLab plugin)."""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def get_version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'mmunirgbir', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def parse_requirements(name: str) -> list:
    reqs = []
    with open(osp.join(HERE, 'requirements', name)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                reqs.append(line)
    return reqs


def add_mim_extension() -> None:
    """Ship ``configs`` and ``tools`` inside the package as ``.mim``.

    Copies them for sdist/wheel builds (so ``mim train mmunirgbir ...`` finds
    them in a regular install) and symlinks them for develop installs, as
    mmdet, mmseg and mmpretrain do.
    """
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif 'sdist' in sys.argv or 'bdist_wheel' in sys.argv:
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'mmunirgbir', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in ('configs', 'tools'):
        src = osp.join(HERE, name)
        tar = osp.join(mim_path, name)
        if not osp.exists(src):
            continue
        if osp.isfile(tar) or osp.islink(tar):
            os.remove(tar)
        elif osp.isdir(tar):
            shutil.rmtree(tar)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), tar)
        else:
            shutil.copytree(src, tar)


add_mim_extension()

setup(
    # The distribution is named apart from its module, as mmsegmentation's
    # is from mmseg: mmengine resolves ``read_base()`` imports through the
    # location of a distribution named like the module, which is
    # site-packages for an editable install, and through importlib otherwise.
    name='mmunirgbir-toolbox',
    version=get_version(),
    description='UniRGB-IR: visible-infrared adapter tuning as an OpenMMLab '
    '(mmdet 3.x / mmseg 1.x) plugin',
    long_description=open(osp.join(HERE, 'README.md')).read()
    if osp.exists(osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    keywords='computer vision, RGB-IR, infrared, adapter, object detection, '
    'semantic segmentation, salient object detection',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'tests.*', 'demo')),
    include_package_data=True,
    python_requires='>=3.8',
    install_requires=parse_requirements('runtime.txt'),
    extras_require=dict(
        tests=parse_requirements('tests.txt'),
        deploy=parse_requirements('deploy.txt')),
    license='Apache License 2.0',
    zip_safe=False,
)
