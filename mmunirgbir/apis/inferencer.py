# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Inference on RGB-IR pairs, paired folders and synchronised videos."""
import json
import os
import os.path as osp
import warnings
from typing import Iterator, List, Optional, Tuple, Union

import cv2
import mmcv
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import MODELS, VISUALIZERS, init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar

from ..datasets.pairing import IMG_EXTENSIONS, list_images, match_by_stem
from ..datasets.transforms import pack_missing_modality

ANNOTATION_LOADERS = ('LoadAnnotations', 'LoadRGBIRSegAnnotations',
                      'LoadSaliencyAnnotations')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.mpg', '.mpeg', '.webm')
Item = Tuple[str, dict]  # (name, pipeline input)


def _single(rgb: Optional[str], ir: Optional[str]) -> dict:
    """The loader input of a pair, or of one image with the other missing."""
    if rgb is not None and ir is not None:
        return dict(img_path=rgb, ir_path=ir)
    if rgb is not None:
        return dict(img_path=rgb, missing_modality='ir')
    return dict(img_path=None, ir_path=ir, missing_modality='rgb')


def _test_pipeline(cfg: Config) -> list:
    dataset = cfg.test_dataloader.dataset
    while 'pipeline' not in dataset:  # ConcatDataset and other wrappers
        dataset = dataset['datasets'][0] if 'datasets' in dataset else \
            dataset['dataset']
    return [t for t in dataset.pipeline if t['type'] not in ANNOTATION_LOADERS]


class UniRGBIRInferencer:
    """Run a trained mmunirgbir detector, segmentor or SOD model.

    Inputs (see :meth:`__call__`): one RGB/IR pair (paths or BGR arrays), two
    folders paired by file name (names without a partner are listed, never
    guessed), or two videos read frame by frame in lockstep.

    Outputs, written under ``out_dir`` when given:

    - ``vis/NAME.png``: RGB | IR | result, side by side (``vis.mp4`` for
      videos);
    - ``preds/NAME.json`` (detection: boxes, scores, labels, class names),
      ``preds/NAME.png`` (segmentation label map, or grey saliency map), at
      the input's original resolution.

    Args:
        config (str | Config): Model config.
        checkpoint (str, optional): Trained checkpoint (mmengine format).
        device (str): 'cpu', 'cuda' or 'cuda:N'. Defaults to 'cpu'.
        score_thr (float): Detection score threshold for visualisations and
            JSON. Defaults to 0.3.
        resize_ir (bool): Resize IR images (or video frames) whose size
            differs from their RGB partner instead of refusing them.
            Defaults to False.

    The checkpoint is loaded strictly: one whose keys do not match the
    model is refused with the list of missing and unexpected keys, never
    run with random weights in their place.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 score_thr: float = 0.3,
                 resize_ir: bool = False) -> None:
        cfg = Config.fromfile(config) if isinstance(config, str) else config
        self.cfg = cfg
        scope = cfg.get('default_scope', 'mmdet')
        init_default_scope(scope)
        if scope not in ('mmdet', 'mmseg'):
            raise ValueError(f'unsupported default_scope {scope!r}')
        # the trained checkpoint holds every weight, foundation included
        cfg.model.backbone.pop('init_cfg', None)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            self.model = MODELS.build(cfg.model)
        meta = {}
        if checkpoint is not None:
            try:
                ckpt = load_checkpoint(
                    self.model, checkpoint, map_location='cpu', strict=True)
            except RuntimeError as e:
                raise RuntimeError(
                    f'{checkpoint} does not fit the model of the config '
                    f'{getattr(cfg, "filename", None) or "given"}: {e}'
                ) from None
            meta = ckpt.get('meta', {}).get('dataset_meta') or {}
        else:
            MMLogger.get_current_instance().warning(
                'UniRGBIRInferencer: no checkpoint, random weights')
        self.model.to(device).eval()
        self.device = device
        if scope == 'mmdet':
            self.task = 'det'
        else:
            self.task = 'sod' if getattr(self.model.decode_head,
                                         'out_channels', 2) == 1 else 'seg'
        self.dataset_meta = meta or self._config_meta()
        # the pack transform carries the missing-modality flag
        pipeline = pack_missing_modality(_test_pipeline(cfg))
        if pipeline[0]['type'] != 'LoadRGBIRImagePair':
            raise ValueError('the test pipeline must start with '
                             f'LoadRGBIRImagePair, not {pipeline[0]["type"]}')
        # loaded once: the 6-channel original also feeds the visualisation
        self.loader = Compose([dict(pipeline[0], resize_ir=True)]
                              if resize_ir else pipeline[:1])
        self.pipeline = Compose(pipeline[1:])
        vis_type = 'RGBIRDetLocalVisualizer' if self.task == 'det' else \
            'RGBIRSegLocalVisualizer'
        self.visualizer = VISUALIZERS.build(
            dict(type=vis_type, name=f'unirgbir_inferencer_{id(self)}'))
        self.visualizer.dataset_meta = self.dataset_meta
        self.score_thr = score_thr

    def _config_meta(self) -> dict:
        from mmengine.registry import DATASETS
        dataset = self.cfg.test_dataloader.dataset
        while 'type' in dataset and dataset['type'] == 'ConcatDataset':
            dataset = dataset['datasets'][0]
        cls = DATASETS.get(dataset['type'])
        meta = dict(getattr(cls, 'METAINFO', {}) or {})
        meta.update(dataset.get('metainfo') or {})
        return meta

    # ------------------------------------------------------------------ #
    # inputs
    # ------------------------------------------------------------------ #
    def collect(self, rgb, ir, run_unpaired: bool = False
                ) -> Tuple[Iterator[Item], int, List[str]]:
        """Turn (rgb, ir) into named pipeline inputs.

        Either may be None (explicitly single-modality: the sample is fed as
        that modality's baseline). ``run_unpaired`` runs the files of two
        folders that have no partner single-modality instead of skipping
        them; a pair is never guessed.

        Returns:
            tuple: An iterator of (name, input dict), the number of items and
            the names of files without a partner.
        """
        if rgb is None and ir is None:
            raise ValueError('give an RGB input, an IR input or both')
        if isinstance(rgb, np.ndarray) or isinstance(ir, np.ndarray):
            for x in (rgb, ir):
                if x is not None and not isinstance(x, np.ndarray):
                    raise TypeError('give both images as arrays or both as '
                                    'paths')
            item = {} if rgb is None else dict(img=rgb)
            if ir is not None:
                item['ir_img'] = ir
            if rgb is None or ir is None:
                item['missing_modality'] = 'rgb' if rgb is None else 'ir'
            return iter([('image', item)]), 1, []
        rgb, ir = (None if p is None else str(p) for p in (rgb, ir))
        for path in (rgb, ir):
            if path is not None and not osp.exists(path):
                raise FileNotFoundError(f'input not found: {path}')
        kinds = [None if p is None else 'folder' if osp.isdir(p) else
                 'video' if p.lower().endswith(VIDEO_EXTENSIONS) else 'image'
                 for p in (rgb, ir)]
        if None not in kinds and kinds[0] != kinds[1]:
            raise ValueError('give two folders, two images or two videos; '
                             f'got the {kinds[0]} {rgb} and the {kinds[1]} '
                             f'{ir}')
        kind = kinds[0] or kinds[1]
        if kind == 'video':
            return self._video_frames(rgb, ir)
        if kind == 'folder':
            return self._folder_items(rgb, ir, run_unpaired)
        path = rgb or ir
        if not path.lower().endswith(IMG_EXTENSIONS):
            raise ValueError(f'unsupported input {path}')
        name = osp.splitext(osp.basename(path))[0]
        return iter([(name, _single(rgb, ir))]), 1, []

    @staticmethod
    def _folder_items(rgb: Optional[str], ir: Optional[str],
                      run_unpaired: bool):
        if rgb is None or ir is None:
            folder = rgb or ir
            names = list_images(folder)
            if not names:
                raise ValueError(f'no images in {folder}')
            items = [(stem, _single(osp.join(rgb, n) if rgb else None,
                                    osp.join(ir, n) if ir else None))
                     for stem, n in names.items()]
            return iter(items), len(items), []
        pairs, rgb_only, ir_only = match_by_stem(rgb, ir)
        unpaired = [osp.join(rgb, n) for n in rgb_only] + \
            [osp.join(ir, n) for n in ir_only]
        items = [(stem, dict(img_path=r, ir_path=i)) for stem, r, i in pairs]
        if unpaired and run_unpaired:
            items += [(osp.splitext(osp.basename(p))[0],
                       _single(p, None) if p.startswith(osp.join(rgb, ''))
                       else _single(None, p)) for p in unpaired]
        elif unpaired:
            MMLogger.get_current_instance().warning(
                f'{len(unpaired)} files without a partner were skipped '
                '(run_unpaired / --run-unpaired runs them single-modality): '
                + ', '.join(unpaired))
        if not items:
            raise ValueError(
                f'no RGB-IR pairs: no image in {rgb} has a partner of '
                f'the same name in {ir}')
        return iter(items), len(items), unpaired

    @staticmethod
    def _video_frames(rgb: Optional[str], ir: Optional[str]):
        streams = [p for p in (rgb, ir) if p is not None]
        caps = [cv2.VideoCapture(p) for p in streams]
        for cap, path in zip(caps, streams):
            if not cap.isOpened():
                raise OSError(f'cannot open video {path}')
        counts = [int(c.get(cv2.CAP_PROP_FRAME_COUNT)) for c in caps]
        if len(set(counts)) > 1:
            MMLogger.get_current_instance().warning(
                f'{rgb} has {counts[0]} frames and {ir} {counts[1]}; '
                'stopping at the shorter')

        def frames():
            index = 0
            try:
                while True:
                    reads = [c.read() for c in caps]
                    if not all(ok for ok, _ in reads):
                        return
                    item = dict(video_fps=caps[0].get(cv2.CAP_PROP_FPS))
                    if rgb is not None:
                        item.update(img=reads[0][1], img_path=f'{rgb}#{index}')
                    if ir is not None:
                        item.update(ir_img=reads[-1][1],
                                    ir_path=f'{ir}#{index}')
                    if len(caps) == 1:
                        item['missing_modality'] = 'ir' if ir is None else 'rgb'
                    yield f'{index:06d}', item
                    index += 1
            finally:
                for c in caps:
                    c.release()

        return frames(), min(counts), []

    # ------------------------------------------------------------------ #
    # running
    # ------------------------------------------------------------------ #
    def __call__(self,
                 rgb=None,
                 ir=None,
                 out_dir: Optional[str] = None,
                 batch_size: int = 1,
                 progress: bool = True,
                 run_unpaired: bool = False) -> dict:
        """Predict.

        Args:
            rgb: RGB image path / BGR array, folder, or video; None when the
                RGB camera is missing (IR only).
            ir: The IR counterpart (same kind); None for RGB only.
            out_dir (str, optional): Where to write visualisations and
                machine-readable predictions.
            batch_size (int): Images per forward pass. Defaults to 1.
            progress (bool): Show a progress bar. Defaults to True.
            run_unpaired (bool): In folder mode, run the files without a
                partner single-modality instead of skipping them (they are
                listed in ``unpaired.txt`` either way). Defaults to False.

        Returns:
            dict: ``predictions`` (name -> data sample), ``unpaired`` (files
            without a partner) and ``out_dir``.
        """
        if not (isinstance(batch_size, int) and batch_size >= 1):
            raise ValueError(
                f'batch_size must be a positive integer, got {batch_size!r}')
        items, total, unpaired = self.collect(rgb, ir, run_unpaired)
        is_video = any(
            isinstance(p, (str, os.PathLike))
            and str(p).lower().endswith(VIDEO_EXTENSIONS) for p in (rgb, ir))
        writer = None
        bar = ProgressBar(total) if progress and total > 1 else None
        predictions = {}
        batch: List[Item] = []

        def flush():
            nonlocal writer
            loaded = [self.loader(dict(d)) for _, d in batch]
            originals = [d['img'] for d in loaded]
            inputs = [self.pipeline(d) for d in loaded]
            with torch.no_grad():
                samples = self.model.test_step(pseudo_collate(inputs))
            for (name, raw), sample, img in zip(batch, samples, originals):
                predictions[name] = sample
                if out_dir is not None:
                    panels = self._panels(sample, img)
                    if is_video:
                        frame = np.concatenate(panels, axis=1)[..., ::-1]
                        if writer is None:
                            writer = cv2.VideoWriter(
                                osp.join(out_dir, 'vis.mp4'),
                                cv2.VideoWriter_fourcc(*'mp4v'),
                                raw.get('video_fps') or 25,
                                (frame.shape[1], frame.shape[0]))
                        writer.write(np.ascontiguousarray(frame))
                    else:
                        mmcv.imwrite(
                            np.concatenate(panels, axis=1)[..., ::-1],
                            osp.join(out_dir, 'vis', name + '.png'))
                    self._save_prediction(sample, name, out_dir)
                if bar is not None:
                    bar.update()
            batch.clear()

        if out_dir is not None:
            os.makedirs(osp.join(out_dir, 'preds'), exist_ok=True)
            os.makedirs(osp.join(out_dir, 'vis'), exist_ok=True)
            stale = osp.join(out_dir, 'unpaired.txt')
            if osp.exists(stale):  # from an earlier run into this folder
                os.remove(stale)
        for item in items:
            batch.append(item)
            if len(batch) == batch_size:
                flush()
        if batch:
            flush()
        if writer is not None:
            writer.release()
        if out_dir is not None and unpaired:
            with open(osp.join(out_dir, 'unpaired.txt'), 'w') as f:
                f.write('\n'.join(unpaired) + '\n')
        return dict(predictions=predictions, unpaired=unpaired,
                    out_dir=out_dir)

    def _panels(self, sample, img: np.ndarray) -> list:
        """RGB | IR | result panels from the loaded (H, W, 6) original."""
        rgb, ir = img[..., 2::-1], img[..., 5:2:-1]
        missing = sample.metainfo.get('missing_modality')
        if missing:  # the result is drawn on the image that was there
            rgb, ir = (ir, ir) if missing == 'rgb' else (rgb, rgb)
        if self.task == 'det':
            panels = self.visualizer.draw_rgbir(
                rgb, ir, sample, draw_gt=False, pred_score_thr=self.score_thr)
        else:
            panels = self.visualizer.draw_rgbir(rgb, ir, sample,
                                                draw_gt=False)
        if missing:
            i = 0 if missing == 'rgb' else 1
            panels[i] = _missing_panel(panels[i].shape,
                                       f'{missing.upper()} missing')
        return panels

    def _save_prediction(self, sample, name: str, out_dir: str) -> None:
        folder = osp.join(out_dir, 'preds')
        if self.task == 'det':
            pred = sample.pred_instances
            keep = pred.scores >= self.score_thr
            classes = self.dataset_meta.get('classes', ())
            labels = pred.labels[keep].tolist()
            with open(osp.join(folder, name + '.json'), 'w') as f:
                json.dump(
                    dict(
                        bboxes=pred.bboxes[keep].tolist(),
                        scores=pred.scores[keep].tolist(),
                        labels=labels,
                        classes=[
                            classes[i] if i < len(classes) else str(i)
                            for i in labels
                        ]), f)
        elif self.task == 'seg':
            label = sample.pred_sem_seg.data[0].cpu().numpy()
            mmcv.imwrite(label.astype(np.uint8),
                         osp.join(folder, name + '.png'))
        else:
            prob = sample.seg_logits.data[0].float().clamp(0, 1)
            mmcv.imwrite((prob * 255).round().byte().cpu().numpy(),
                         osp.join(folder, name + '.png'))


def _missing_panel(shape: tuple, text: str) -> np.ndarray:
    """A dark panel saying which modality was missing."""
    panel = np.full(shape, 32, np.uint8)
    scale = max(shape[1] / 320, 0.3)
    (w, h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.putText(panel, text, ((shape[1] - w) // 2, (shape[0] + h) // 2),
                cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1,
                cv2.LINE_AA)
    return panel
