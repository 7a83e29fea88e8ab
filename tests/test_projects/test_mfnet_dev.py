# Copyright (c) mmunirgbir contributors. All rights reserved.
"""The segmentation lab configs read the real MFNet pairs of ../shared."""
import os.path as osp

from mmengine.config import Config
from mmengine.registry import DATASETS, init_default_scope

import mmunirgbir  # noqa: F401

from ..conftest import REAL_DATA_CHECKS, shared_path

CONFIG = osp.join(REAL_DATA_CHECKS, 'configs',
                  'setr-mla_unirgbir-dinov2-s16_1xb2-1000i_mfnet-dev.py')


def test_real_mfnet_pairs_load_with_day_and_night_in_val():
    root = shared_path('data/mfnet_dev')
    cfg = Config.fromfile(CONFIG)
    init_default_scope('mmseg')
    for key, count in (('train_dataloader', 130), ('val_dataloader', 40)):
        ds = cfg[key].dataset
        ds.data_root = str(root) + '/'
        dataset = DATASETS.build(ds)
        assert len(dataset) == count
        sample = dataset[0]
        image, label = sample['inputs'], sample['data_samples'].gt_sem_seg
        # R, G, B, then T three times; the train pipeline resizes and crops
        assert image.shape[0] == 6 and label.data.shape[1:] == image.shape[1:]
        assert (image[3] == image[5]).all()
        assert not (image[0] == image[3]).all()
        assert set(label.data.unique().tolist()) <= set(range(9)) | {255}
    assert image.shape == (6, 240, 320)  # val: the pairs as they are
    names = [osp.basename(dataset.get_data_info(i)['img_path'])
             for i in range(len(dataset))]
    assert sum(n.endswith('D.png') for n in names) == 20
    assert sum(n.endswith('N.png') for n in names) == 20
