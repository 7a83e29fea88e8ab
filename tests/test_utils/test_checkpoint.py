# Copyright (c) mmunirgbir contributors. All rights reserved.
"""mmengine checkpoints load with weights_only=True on torch >= 2.6."""
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import CheckpointLoader, Runner
from torch.utils.data import Dataset

import mmunirgbir  # noqa: F401
from mmunirgbir.utils import CheckpointError


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, labels, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=(out.squeeze(1) - torch.stack(labels)).square()
                        .mean())
        return out


class ToyData(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([float(i), 1.]),
                    labels=torch.tensor(2. * i))


def _runner(work_dir, max_iters, **kwargs):
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_size=2,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2,
                            by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        experiment_name=f'toy{max_iters}',
        **kwargs)


def test_runner_resumes_from_its_checkpoint(tmp_path):
    runner = _runner(tmp_path, 2)
    runner.train()
    ckpt = tmp_path / 'iter_2.pth'
    assert ckpt.is_file()
    weights = runner.model.linear.weight.detach().clone()

    resumed = _runner(tmp_path, 4, resume=True, load_from=str(ckpt))
    resumed.train()
    assert resumed.iter == 4
    assert (tmp_path / 'iter_4.pth').is_file()
    # the resumed model started from the saved weights
    ckpt2 = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert torch.equal(ckpt2['state_dict']['linear.weight'], weights)
    assert ckpt2['message_hub']['log_scalars']  # HistoryBuffer objects


class Malicious:
    pass


def test_unknown_type_is_refused_with_explanation(tmp_path):
    path = tmp_path / 'bad.pth'
    torch.save({'state_dict': {}, 'meta': Malicious()}, path)
    with pytest.raises(CheckpointError) as err:
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    msg = str(err.value)
    assert 'Malicious' in msg and 'allow_checkpoint_types' in msg
    assert str(path) in msg


class SneakyGetattr:
    """Pickles as getattr(HistoryBuffer, '__init__') (not a public method)."""

    def __reduce__(self):
        from mmengine.logging import HistoryBuffer
        return getattr, (HistoryBuffer, '__init__')


def test_getattr_is_limited_to_history_buffer_methods(tmp_path):
    path = tmp_path / 'sneaky.pth'
    torch.save({'meta': SneakyGetattr()}, path)
    with pytest.raises(CheckpointError, match='only HistoryBuffer'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


class RunsCode:
    """Pickles as a call of os.system, as a malicious checkpoint would."""

    def __reduce__(self):
        import os
        return os.system, ('true', )


def test_code_running_pickle_is_refused_without_allow_list_advice(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': RunsCode()}, path)
    with pytest.raises(CheckpointError) as err:
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    msg = str(err.value)
    assert str(path) in msg and 'system' in msg and 'runs code' in msg
    assert 'allow_checkpoint_types' not in msg


@pytest.mark.parametrize('content, reason', [
    (b'', 'empty'),
    (b'this is a text file\n', 'not a readable checkpoint'),
    (None, 'holds a list'),
])
def test_unreadable_checkpoint_names_the_file(tmp_path, content, reason):
    """load_from / --resume / pretrained used to die in IndexError,
    EOFError or "'list' object has no attribute 'items'"."""
    path = tmp_path / 'weights.pth'
    if content is None:
        torch.save([torch.zeros(2)], path)
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=rf'weights\.pth: .*{reason}'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    from mmunirgbir.utils import read_checkpoint
    with pytest.raises(CheckpointError, match=rf'weights\.pth: .*{reason}'):
        read_checkpoint(str(path))


def test_resume_skips_a_truncated_last_checkpoint(tmp_path):
    from mmunirgbir.utils import latest_readable_checkpoint
    _runner(tmp_path, 4).train()
    last = tmp_path / 'iter_4.pth'
    assert (tmp_path / 'last_checkpoint').read_text().endswith('iter_4.pth')
    assert latest_readable_checkpoint(str(tmp_path)) == str(last)
    data = last.read_bytes()
    last.write_bytes(data[:len(data) // 2])  # killed while saving
    assert latest_readable_checkpoint(str(tmp_path)) == str(
        tmp_path / 'iter_2.pth')
    last.unlink()
    (tmp_path / 'iter_2.pth').unlink()
    (tmp_path / 'last_checkpoint').unlink()
    assert latest_readable_checkpoint(str(tmp_path)) is None
