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
from mmengine.infer import BaseInferencer
from mmengine.logging import MMLogger
from mmengine.registry import MODELS, VISUALIZERS, init_default_scope
from mmengine.runner import load_checkpoint
from rich.progress import track

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


def _config_meta(cfg: Config) -> dict:
    """Dataset metainfo (classes, palette) of the config's test set."""
    from mmengine.registry import DATASETS
    dataset = cfg.test_dataloader.dataset
    while 'type' in dataset and dataset['type'] == 'ConcatDataset':
        dataset = dataset['datasets'][0]
    cls = DATASETS.get(dataset['type'])
    meta = dict(getattr(cls, 'METAINFO', {}) or {})
    meta.update(dataset.get('metainfo') or {})
    return meta


def _test_pipeline(cfg: Config) -> list:
    dataset = cfg.test_dataloader.dataset
    while 'pipeline' not in dataset:  # ConcatDataset and other wrappers
        dataset = dataset['datasets'][0] if 'datasets' in dataset else \
            dataset['dataset']
    return [t for t in dataset.pipeline if t['type'] not in ANNOTATION_LOADERS]


class _PairPipeline:
    """The test pipeline of a pair: loads it once and returns the packed
    model input with the loaded (H, W, 6) original (for the visualisation)."""

    def __init__(self, pipeline: list, resize_ir: bool) -> None:
        self.loader = Compose([dict(pipeline[0], resize_ir=True)]
                              if resize_ir else pipeline[:1])
        self.transforms = Compose(pipeline[1:])

    def __call__(self, item: dict) -> Tuple[dict, np.ndarray]:
        loaded = self.loader(dict(item))
        original = loaded['img']
        return self.transforms(loaded), original


class UniRGBIRInferencer(BaseInferencer):
    """Run a trained mmunirgbir detector, segmentor or SOD model.

    An :class:`mmengine.infer.BaseInferencer`: the work is split into
    :meth:`preprocess` (pairing, loading, the config's test pipeline,
    batching), :meth:`forward`, :meth:`visualize` and :meth:`postprocess`,
    with mmdet's / mmseg's options (``return_datasamples``, ``return_vis``,
    ``no_save_vis``, ``no_save_pred``, ``print_result``,
    ``pred_score_thr``). What only RGB-IR needs: the inputs are an RGB and
    an IR source (see :meth:`__call__`): one pair (paths or BGR arrays), two
    folders paired by file name (names without a partner are listed in
    ``unpaired.txt``, never guessed), two videos read frame by frame in
    lockstep, or one source alone when a camera is missing.

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
        score_thr (float): Default detection score threshold of the
            visualisations and predictions. Defaults to 0.3.
        resize_ir (bool): Resize IR images (or video frames) whose size
            differs from their RGB partner instead of refusing them.
            Defaults to False.
        show_progress (bool): Show a progress bar for folders and videos.
            Defaults to True.

    The checkpoint is loaded strictly: one whose keys do not match the
    model is refused with the list of missing and unexpected keys, never
    run with random weights in their place.
    """
    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    visualize_kwargs: set = {'img_out_dir', 'no_save_vis', 'pred_score_thr'}
    postprocess_kwargs: set = {
        'pred_out_dir', 'no_save_pred', 'print_result', 'return_datasamples'
    }

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 score_thr: float = 0.3,
                 resize_ir: bool = False,
                 show_progress: bool = True) -> None:
        cfg = Config.fromfile(config) if isinstance(config, str) else config
        scope = cfg.get('default_scope', 'mmdet')
        if scope not in ('mmdet', 'mmseg'):
            raise ValueError(f'unsupported default_scope {scope!r}')
        init_default_scope(scope)
        self.resize_ir = resize_ir
        self.score_thr = score_thr
        self.device = device
        super().__init__(
            model=cfg,
            weights=checkpoint,
            device=device,
            scope=scope,
            show_progress=show_progress)
        self.visualizer.dataset_meta = self.dataset_meta

    def _init_model(self, cfg: Config, weights: Optional[str],
                    device: str = 'cpu') -> torch.nn.Module:
        """Build the model and load ``weights`` strictly."""
        # the trained checkpoint holds every weight, foundation included
        cfg.model.backbone.pop('init_cfg', None)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            model = MODELS.build(cfg.model)
        meta = {}
        if weights is not None:
            try:
                ckpt = load_checkpoint(
                    model, weights, map_location='cpu', strict=True)
            except RuntimeError as e:
                raise RuntimeError(
                    f'{weights} does not fit the model of the config '
                    f'{getattr(cfg, "filename", None) or "given"}: {e}'
                ) from None
            meta = ckpt.get('meta', {}).get('dataset_meta') or {}
        else:
            MMLogger.get_current_instance().warning(
                'UniRGBIRInferencer: no checkpoint, random weights')
        if self.scope == 'mmdet':
            self.task = 'det'
        else:
            self.task = 'sod' if getattr(model.decode_head, 'out_channels',
                                         2) == 1 else 'seg'
        self.dataset_meta = meta or _config_meta(cfg)
        return model.to(device).eval()

    def _init_pipeline(self, cfg: Config) -> _PairPipeline:
        # the pack transform carries the missing-modality flag
        pipeline = pack_missing_modality(_test_pipeline(cfg))
        if pipeline[0]['type'] != 'LoadRGBIRImagePair':
            raise ValueError('the test pipeline must start with '
                             f'LoadRGBIRImagePair, not {pipeline[0]["type"]}')
        return _PairPipeline(pipeline, self.resize_ir)

    def _init_visualizer(self, cfg: Config):
        vis_type = 'RGBIRDetLocalVisualizer' if self.task == 'det' else \
            'RGBIRSegLocalVisualizer'
        return VISUALIZERS.build(
            dict(type=vis_type, name=f'unirgbir_inferencer_{id(self)}'))

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
                 progress: Optional[bool] = None,
                 run_unpaired: bool = False,
                 return_datasamples: bool = True,
                 return_vis: bool = False,
                 no_save_vis: bool = False,
                 no_save_pred: bool = False,
                 print_result: bool = False,
                 pred_score_thr: Optional[float] = None) -> dict:
        """Predict.

        Args:
            rgb: RGB image path / BGR array, folder, or video; None when the
                RGB camera is missing (IR only).
            ir: The IR counterpart (same kind); None for RGB only.
            out_dir (str, optional): Where to write visualisations
                (``vis/``) and machine-readable predictions (``preds/``).
            batch_size (int): Images per forward pass. Defaults to 1.
            progress (bool, optional): Show a progress bar; None: the
                inferencer's ``show_progress``.
            run_unpaired (bool): In folder mode, run the files without a
                partner single-modality instead of skipping them (they are
                listed in ``unpaired.txt`` either way). Defaults to False.
            return_datasamples (bool): Predictions as data samples; False:
                as plain dicts (those of :meth:`pred2dict`). Defaults to
                True.
            return_vis (bool): Also return the RGB | IR | result images.
                Defaults to False.
            no_save_vis (bool): Write no visualisations. Defaults to False.
            no_save_pred (bool): Write no predictions. Defaults to False.
            print_result (bool): Print every prediction as a dict.
                Defaults to False.
            pred_score_thr (float, optional): Detection score threshold;
                None: the inferencer's ``score_thr``.

        Returns:
            dict: ``predictions`` (name -> data sample or dict),
            ``visualization`` (name -> image, with ``return_vis``),
            ``unpaired`` (files without a partner) and ``out_dir``.
        """
        if not (isinstance(batch_size, int) and batch_size >= 1):
            raise ValueError(
                f'batch_size must be a positive integer, got {batch_size!r}')
        items, total, unpaired = self.collect(rgb, ir, run_unpaired)
        is_video = any(
            isinstance(p, (str, os.PathLike))
            and str(p).lower().endswith(VIDEO_EXTENSIONS) for p in (rgb, ir))
        save_vis = out_dir is not None and not no_save_vis
        if out_dir is not None:
            if not no_save_pred:
                os.makedirs(osp.join(out_dir, 'preds'), exist_ok=True)
            if save_vis:
                os.makedirs(osp.join(out_dir, 'vis'), exist_ok=True)
            stale = osp.join(out_dir, 'unpaired.txt')
            if osp.exists(stale):  # from an earlier run into this folder
                os.remove(stale)
        show = self.show_progress if progress is None else progress
        batches = self.preprocess(items, batch_size=batch_size)
        if show and total > 1:
            batches = track(batches, total=-(-total // batch_size),
                            description='Inference')
        writer = None
        results = dict(predictions={}, unpaired=unpaired, out_dir=out_dir)
        if return_vis:
            results['visualization'] = {}
        for batch, originals, data in batches:
            samples = self.forward(data)
            names = [name for name, _ in batch]
            panels = self.visualize(
                names, samples, originals,
                img_out_dir=None if is_video or not save_vis else osp.join(
                    out_dir, 'vis'),
                no_save_vis=no_save_vis,
                pred_score_thr=pred_score_thr)
            if is_video and save_vis:
                for (_, raw), frame in zip(batch, panels):
                    if writer is None:
                        writer = cv2.VideoWriter(
                            osp.join(out_dir, 'vis.mp4'),
                            cv2.VideoWriter_fourcc(*'mp4v'),
                            raw.get('video_fps') or 25,
                            (frame.shape[1], frame.shape[0]))
                    writer.write(np.ascontiguousarray(frame[..., ::-1]))
            batch_results = self.postprocess(
                names, samples, panels,
                return_datasamples=return_datasamples,
                pred_out_dir=None if out_dir is None else osp.join(
                    out_dir, 'preds'),
                no_save_pred=no_save_pred,
                print_result=print_result,
                pred_score_thr=pred_score_thr)
            results['predictions'].update(batch_results['predictions'])
            if return_vis:
                results['visualization'].update(
                    batch_results['visualization'])
        if writer is not None:
            writer.release()
        if out_dir is not None and unpaired:
            with open(osp.join(out_dir, 'unpaired.txt'), 'w') as f:
                f.write('\n'.join(unpaired) + '\n')
        return results

    def preprocess(self, inputs: Iterator[Item], batch_size: int = 1
                   ) -> Iterator[Tuple[List[Item], List[np.ndarray], dict]]:
        """Load and transform named inputs (:meth:`collect`), in batches.

        Yields:
            tuple: The batch's (name, input) items, their loaded (H, W, 6)
            originals and the collated model input.
        """
        for batch in self._get_chunk_data(inputs, batch_size):
            packed, originals = zip(*(self.pipeline(d) for _, d in batch))
            yield batch, list(originals), self.collate_fn(list(packed))

    def visualize(self,
                  names: List[str],
                  preds: list,
                  originals: List[np.ndarray],
                  img_out_dir: Optional[str] = None,
                  no_save_vis: bool = False,
                  pred_score_thr: Optional[float] = None) -> List[np.ndarray]:
        """RGB | IR | result images (RGB order), written to
        ``img_out_dir/NAME.png`` when given."""
        images = []
        for name, sample, img in zip(names, preds, originals):
            image = np.concatenate(
                self._panels(sample, img, pred_score_thr), axis=1)
            if img_out_dir is not None and not no_save_vis:
                mmcv.imwrite(image[..., ::-1],
                             osp.join(img_out_dir, name + '.png'))
            images.append(image)
        return images

    def postprocess(self,
                    names: List[str],
                    preds: list,
                    visualization: List[np.ndarray],
                    return_datasamples: bool = True,
                    pred_out_dir: Optional[str] = None,
                    no_save_pred: bool = False,
                    print_result: bool = False,
                    pred_score_thr: Optional[float] = None) -> dict:
        """Name the predictions, convert, print and write them
        (``pred_out_dir/NAME.json`` or ``.png``)."""
        results = dict(predictions={}, visualization={})
        for name, sample, image in zip(names, preds, visualization):
            as_dict = None
            if print_result or not return_datasamples:
                as_dict = self.pred2dict(sample, pred_score_thr)
            if print_result:
                print(json.dumps(dict(name=name, **as_dict)))
            if pred_out_dir is not None and not no_save_pred:
                self._save_prediction(sample, name, pred_out_dir,
                                      pred_score_thr)
            results['predictions'][name] = sample if return_datasamples \
                else as_dict
            results['visualization'][name] = image
        return results

    def pred2dict(self, sample, pred_score_thr: Optional[float] = None
                  ) -> dict:
        """A prediction as plain data: detections above the score threshold
        (boxes, scores, labels, class names), a label map or a saliency
        map (nested lists)."""
        if self.task == 'det':
            thr = self.score_thr if pred_score_thr is None else pred_score_thr
            pred = sample.pred_instances
            keep = pred.scores >= thr
            classes = self.dataset_meta.get('classes', ())
            labels = pred.labels[keep].tolist()
            return dict(
                bboxes=pred.bboxes[keep].tolist(),
                scores=pred.scores[keep].tolist(),
                labels=labels,
                classes=[
                    classes[i] if i < len(classes) else str(i)
                    for i in labels
                ])
        if self.task == 'seg':
            return dict(sem_seg=sample.pred_sem_seg.data[0].tolist())
        return dict(saliency=sample.seg_logits.data[0].float().clamp(
            0, 1).tolist())

    def _panels(self, sample, img: np.ndarray,
                pred_score_thr: Optional[float] = None) -> list:
        """RGB | IR | result panels from the loaded (H, W, 6) original."""
        rgb, ir = img[..., 2::-1], img[..., 5:2:-1]
        missing = sample.metainfo.get('missing_modality')
        if missing:  # the result is drawn on the image that was there
            rgb, ir = (ir, ir) if missing == 'rgb' else (rgb, rgb)
        if self.task == 'det':
            panels = self.visualizer.draw_rgbir(
                rgb, ir, sample, draw_gt=False,
                pred_score_thr=self.score_thr
                if pred_score_thr is None else pred_score_thr)
        else:
            panels = self.visualizer.draw_rgbir(rgb, ir, sample,
                                                draw_gt=False)
        if missing:
            i = 0 if missing == 'rgb' else 1
            panels[i] = _missing_panel(panels[i].shape,
                                       f'{missing.upper()} missing')
        return panels

    def _save_prediction(self, sample, name: str, folder: str,
                         pred_score_thr: Optional[float] = None) -> None:
        """``folder/NAME.json`` (detection) or ``folder/NAME.png`` (label
        map, grey saliency map) at the original resolution."""
        if self.task == 'det':
            with open(osp.join(folder, name + '.json'), 'w') as f:
                json.dump(self.pred2dict(sample, pred_score_thr), f)
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
