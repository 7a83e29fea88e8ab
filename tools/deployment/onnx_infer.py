# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Run an exported UniRGB-IR ONNX file on RGB-IR pairs, without OpenMMLab.

    python tools/deployment/onnx_infer.py MODEL.onnx --rgb A --ir B \
        --out-dir OUT [--runtime onnxruntime|openvino] [--score-thr 0.3]

A and B are two images, two folders (paired by file name; files without a
partner are listed in OUT/unpaired.txt and skipped) or two videos (read
frame by frame in lockstep, up to the shorter one). Writes what
``tools/infer.py`` writes: OUT/vis/NAME.png (RGB | IR | result; OUT/vis.mp4
for videos) and OUT/preds/NAME.json (detection: boxes, scores, labels, class
names) or OUT/preds/NAME.png (segmentation label map, grey saliency map), at
the original resolution, NAME being the frame number for videos; a
features-only file (``--backbone-only``) writes OUT/preds/NAME.npz. Folders
and videos show a progress bar (tqdm). Needs numpy, OpenCV, tqdm, onnx and
the chosen runtime only: neither torch nor mmdet, mmseg or mmcv is
imported. For that reason it
repeats, on purpose, three small rules of the package: the 16-bit IR
min-max of ``ir_to_uint8``, pairing by file stem and the inferencer's
detection JSON.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from tqdm import tqdm

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.mpg', '.mpeg', '.webm')


class OnnxRGBIRModel:
    """An exported file and its runtime.

    Args:
        path (str): The ``.onnx`` file written by ``pytorch2onnx.py``.
        runtime (str): 'onnxruntime' or 'openvino'. Defaults to
            'onnxruntime'.
    """

    def __init__(self, path: str, runtime: str = 'onnxruntime') -> None:
        import onnx
        model = onnx.load(path, load_external_data=False)
        self.path = path
        self.meta = {p.key: p.value for p in model.metadata_props}
        if 'task' not in self.meta:
            raise ValueError(f'{path} was not written by pytorch2onnx.py '
                             '(no task in its metadata)')
        self.task = self.meta['task']
        self.inputs = {
            i.name: (tuple(d.dim_value if d.HasField('dim_value') else None
                           for d in i.type.tensor_type.shape.dim),
                     onnx.helper.tensor_dtype_to_np_dtype(
                         i.type.tensor_type.elem_type))
            for i in model.graph.input
        }
        if set(self.inputs) != {'rgb', 'ir'}:
            raise ValueError(f'{path}: inputs {sorted(self.inputs)}, expected '
                             'rgb and ir')
        self.output_names = [o.name for o in model.graph.output]
        self.runtime = runtime
        if runtime == 'onnxruntime':
            import onnxruntime as ort
            options = ort.SessionOptions()
            # errors only: the detector graphs' data-dependent sizes make
            # ONNX Runtime warn about buffer reuse on every run
            options.log_severity_level = 3
            session = ort.InferenceSession(
                path, options, providers=['CPUExecutionProvider'])
            self._run = lambda feed: session.run(None, feed)
        elif runtime == 'openvino':
            import openvino as ov
            # fp32 as exported (OpenVINO may otherwise pick bf16 on CPUs
            # that have it)
            compiled = ov.Core().compile_model(
                path, 'CPU', {'INFERENCE_PRECISION_HINT': 'f32'})
            self._run = lambda feed: [
                np.asarray(v) for v in compiled(feed).values()
            ]
        else:
            raise ValueError(f'unknown runtime {runtime!r}: use onnxruntime '
                             'or openvino')

    @property
    def fixed_size(self) -> Optional[Tuple[int, int]]:
        """(H, W) of a graph exported without ``--dynamic``, else None."""
        h, w = self.inputs['rgb'][0][2:]
        return (h, w) if h and w else None

    def expected_shapes(self) -> str:
        """The inputs the graph takes, in words."""

        def dims(shape, name):
            return '(' + ', '.join(
                str(d) if d else n
                for d, n in zip(shape, ('B', name, 'H', 'W'))) + ')'

        (rgb, dtype), (ir, _) = self.inputs['rgb'], self.inputs['ir']
        return (f'rgb {dims(rgb, "3")} and ir {dims(ir, "1 or 3")} with the '
                f'same H and W, {np.dtype(dtype).name}')

    def __call__(self, rgb: np.ndarray, ir: np.ndarray) -> Dict[str,
                                                                np.ndarray]:
        """Run the graph on (B, 3, H, W) and (B, 1 or 3, H, W) arrays."""
        ok = rgb.ndim == 4 and ir.ndim == 4 and rgb.shape[1] == 3 and \
            ir.shape[1] in (1, 3) and rgb.shape[0] == ir.shape[0] and \
            rgb.shape[2:] == ir.shape[2:]
        for (shape, _), arr in ((self.inputs['rgb'], rgb),
                                (self.inputs['ir'], ir)):
            ok = ok and all(d is None or d == s or i == 1
                            for i, (d, s) in enumerate(zip(shape, arr.shape)))
        if not ok:
            raise ValueError(
                f'{osp.basename(self.path)} expects {self.expected_shapes()}; '
                f'got rgb {tuple(rgb.shape)} and ir {tuple(ir.shape)}')
        dtype = self.inputs['rgb'][1]
        outs = self._run({'rgb': rgb.astype(dtype), 'ir': ir.astype(dtype)})
        names = self.output_names
        return dict(zip(names, outs))


def read_pair(rgb_path: str, ir_path: str) -> Tuple[np.ndarray, np.ndarray]:
    """BGR uint8 image and grey uint8 IR image, of the same size."""
    rgb = cv2.imread(rgb_path, cv2.IMREAD_COLOR)
    ir = cv2.imread(ir_path, cv2.IMREAD_UNCHANGED)
    for img, path in ((rgb, rgb_path), (ir, ir_path)):
        if img is None:
            raise OSError(f'cannot read image {path}')
    return as_pair(rgb, ir, rgb_path, ir_path)


def as_pair(rgb: np.ndarray, ir: np.ndarray, rgb_name: str,
            ir_name: str) -> Tuple[np.ndarray, np.ndarray]:
    """The IR image as grey uint8 (16-bit: per-image min-max, as the
    training loader's default), checked to have the RGB image's size."""
    if ir.ndim == 3:
        ir = cv2.cvtColor(ir[..., :3], cv2.COLOR_BGR2GRAY)
    if ir.dtype != np.uint8:
        ir = ir.astype(np.float32)
        lo, hi = float(ir.min()), float(ir.max())
        ir = np.clip((ir - lo) * (255. / max(hi - lo, 1e-6)), 0,
                     255).round().astype(np.uint8)
    if ir.shape[:2] != rgb.shape[:2]:
        raise ValueError(f'RGB/IR size mismatch: {rgb_name} is '
                         f'{rgb.shape[1]}x{rgb.shape[0]} but {ir_name} is '
                         f'{ir.shape[1]}x{ir.shape[0]}')
    return rgb, ir


def video_frames(rgb: str, ir: str) -> Tuple[Iterator[Tuple[str, np.ndarray,
                                                          np.ndarray]],
                                             int, float]:
    """(frame name, BGR frame, grey IR frame) of two videos in lockstep,
    the number of frames (the shorter video's) and the RGB video's rate."""
    caps = [cv2.VideoCapture(p) for p in (rgb, ir)]
    for cap, path in zip(caps, (rgb, ir)):
        if not cap.isOpened():
            raise OSError(f'cannot open video {path}')
    counts = [int(c.get(cv2.CAP_PROP_FRAME_COUNT)) for c in caps]
    if counts[0] != counts[1]:
        print(f'{rgb} has {counts[0]} frames and {ir} {counts[1]}; '
              'stopping at the shorter', file=sys.stderr)
    fps = caps[0].get(cv2.CAP_PROP_FPS) or 25.

    def frames():
        index = 0
        try:
            while True:  # frame counts of some containers are estimates
                (ok_a, a), (ok_b, b) = caps[0].read(), caps[1].read()
                if not (ok_a and ok_b):
                    return
                yield (f'{index:06d}', *as_pair(a, b, f'{rgb}#{index}',
                                                 f'{ir}#{index}'))
                index += 1
        finally:
            for c in caps:
                c.release()

    return frames(), min(counts), fps


def model_size(model: OnnxRGBIRModel, h: int, w: int) -> Tuple[int, int]:
    """(H, W) the image is resized to: the graph's fixed size, or the test
    pipeline's Resize (mmcv's keep-ratio rule)."""
    if model.fixed_size:
        return model.fixed_size
    resize = json.loads(model.meta.get('resize', 'null'))
    if not resize:
        return h, w
    sw, sh = resize['scale']
    if not resize['keep_ratio']:
        return sh, sw
    factor = min(max(sw, sh) / max(h, w), min(sw, sh) / min(h, w))
    return int(h * factor + 0.5), int(w * factor + 0.5)


def predict(model: OnnxRGBIRModel, rgb: np.ndarray,
            ir: np.ndarray) -> Dict[str, np.ndarray]:
    """Outputs at the original resolution for one BGR / grey pair."""
    h, w = rgb.shape[:2]
    mh, mw = model_size(model, h, w)
    rgb_in = cv2.resize(rgb, (mw, mh), interpolation=cv2.INTER_LINEAR)
    ir_in = cv2.resize(ir, (mw, mh), interpolation=cv2.INTER_LINEAR)
    if model.meta.get('channel_order', 'rgb') == 'rgb':
        rgb_in = rgb_in[..., ::-1]
    out = model(
        np.ascontiguousarray(rgb_in.transpose(2, 0, 1))[None],
        ir_in[None, None])
    if model.task == 'det':
        boxes = out['boxes'] * np.array([w / mw, h / mh] * 2, np.float32)
        out['boxes'] = boxes.clip(0, [w, h, w, h])
    elif model.task == 'seg':
        logits = out['logits'][0].transpose(1, 2, 0)
        logits = cv2.resize(logits, (w, h), interpolation=cv2.INTER_LINEAR)
        out['labels'] = (logits.argmax(-1) if logits.ndim == 3 else
                         np.zeros((h, w), np.int64)).astype(np.uint8)
    elif model.task == 'sod':
        out['saliency'] = cv2.resize(
            out['saliency'][0, 0], (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def visualise(model: OnnxRGBIRModel, rgb: np.ndarray, ir: np.ndarray,
              out: Dict[str, np.ndarray], score_thr: float,
              classes: Sequence[str]) -> np.ndarray:
    """RGB | IR | result, side by side (BGR)."""
    ir3 = cv2.cvtColor(ir, cv2.COLOR_GRAY2BGR)
    if model.task == 'det':
        result = rgb.copy()
        for box, score, label in zip(out['boxes'], out['scores'],
                                     out['labels']):
            if score < score_thr:
                continue
            x1, y1, x2, y2 = (int(round(v)) for v in box)
            cv2.rectangle(result, (x1, y1), (x2, y2), (0, 255, 0), 2)
            name = classes[label] if label < len(classes) else str(label)
            cv2.putText(result, f'{name} {score:.2f}', (x1, max(y1 - 3, 10)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 255, 0), 1,
                        cv2.LINE_AA)
    elif model.task == 'seg':
        palette = json.loads(model.meta.get('palette', '[]'))
        rng = np.random.RandomState(42)
        colours = np.array(palette or rng.randint(0, 256, (256, 3)),
                           np.uint8)
        labels = out['labels']
        if labels.max(initial=0) >= len(colours):
            colours = np.concatenate(
                [colours, rng.randint(0, 256, (256, 3)).astype(np.uint8)])
        result = (0.5 * rgb + 0.5 * colours[labels][..., ::-1]).astype(
            np.uint8)
    elif model.task == 'sod':
        grey = (out['saliency'].clip(0, 1) * 255).round().astype(np.uint8)
        result = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    else:
        result = np.zeros_like(rgb)
    return np.concatenate([rgb, ir3, result], axis=1)


def save_prediction(model: OnnxRGBIRModel, out: Dict[str, np.ndarray],
                    path_stem: str, score_thr: float,
                    classes: Sequence[str]) -> None:
    """preds/NAME.json | .png | .npz, as ``tools/infer.py`` writes them."""
    if model.task == 'det':
        keep = out['scores'] >= score_thr
        labels = out['labels'][keep].tolist()
        with open(path_stem + '.json', 'w') as f:
            json.dump(
                dict(
                    bboxes=out['boxes'][keep].tolist(),
                    scores=out['scores'][keep].tolist(),
                    labels=labels,
                    classes=[
                        classes[i] if i < len(classes) else str(i)
                        for i in labels
                    ]), f)
    elif model.task == 'seg':
        cv2.imwrite(path_stem + '.png', out['labels'])
    elif model.task == 'sod':
        cv2.imwrite(path_stem + '.png',
                    (out['saliency'].clip(0, 1) * 255).round().astype(
                        np.uint8))
    else:
        np.savez(path_stem + '.npz', **out)


def collect_pairs(rgb: str, ir: str) -> Tuple[List[Tuple[str, str, str]],
                                              List[str]]:
    """(name, rgb path, ir path) of two images or two folders, and the
    folder files without a partner."""
    for p in (rgb, ir):
        if not osp.exists(p):
            raise FileNotFoundError(f'input not found: {p}')
    if osp.isdir(rgb) != osp.isdir(ir):
        raise ValueError(
            f'give two images, two folders or two videos: {rgb}, {ir}')
    if not osp.isdir(rgb):
        return [(osp.splitext(osp.basename(rgb))[0], rgb, ir)], []

    def images(folder):
        return {
            osp.splitext(n)[0]: n
            for n in sorted(os.listdir(folder))
            if n.lower().endswith(IMG_EXTENSIONS)
        }

    a, b = images(rgb), images(ir)
    pairs = [(s, osp.join(rgb, a[s]), osp.join(ir, b[s]))
             for s in sorted(a.keys() & b.keys())]
    unpaired = [osp.join(rgb, a[s]) for s in sorted(a.keys() - b.keys())] + \
        [osp.join(ir, b[s]) for s in sorted(b.keys() - a.keys())]
    if not pairs:
        raise ValueError(f'no RGB-IR pairs: no image in {rgb} has a partner '
                         f'of the same name in {ir}')
    return pairs, unpaired


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('model')
    parser.add_argument('--rgb', required=True,
                        help='RGB image, folder or video')
    parser.add_argument('--ir', required=True,
                        help='IR image, folder or video')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--runtime', choices=('onnxruntime', 'openvino'),
                        default='onnxruntime')
    parser.add_argument('--score-thr', type=float, default=0.3)
    args = parser.parse_args(argv)
    videos = [p.lower().endswith(VIDEO_EXTENSIONS) for p in (args.rgb,
                                                              args.ir)]
    writer, unpaired = None, []
    try:
        model = OnnxRGBIRModel(args.model, args.runtime)
        if any(videos):
            if not all(videos):
                raise ValueError('give two images, two folders or two '
                                 f'videos: {args.rgb}, {args.ir}')
            for p in (args.rgb, args.ir):
                if not osp.exists(p):
                    raise FileNotFoundError(f'input not found: {p}')
            items, total, fps = video_frames(args.rgb, args.ir)
        else:
            pairs, unpaired = collect_pairs(args.rgb, args.ir)
            items = ((name, *read_pair(a, b)) for name, a, b in pairs)
            total = len(pairs)
        classes = json.loads(model.meta.get('classes', '[]'))
        for sub in ('vis', 'preds'):
            os.makedirs(osp.join(args.out_dir, sub), exist_ok=True)
        done = 0
        for name, rgb, ir in tqdm(items, total=total, disable=total < 2,
                                  desc='Inference'):
            out = predict(model, rgb, ir)
            vis = visualise(model, rgb, ir, out, args.score_thr, classes)
            if any(videos):
                if writer is None:
                    writer = cv2.VideoWriter(
                        osp.join(args.out_dir, 'vis.mp4'),
                        cv2.VideoWriter_fourcc(*'mp4v'), fps,
                        (vis.shape[1], vis.shape[0]))
                writer.write(vis)
            else:
                cv2.imwrite(osp.join(args.out_dir, 'vis', name + '.png'), vis)
            save_prediction(model, out,
                            osp.join(args.out_dir, 'preds', name),
                            args.score_thr, classes)
            done += 1
    except (OSError, ValueError) as e:
        parser.exit(1, f'{parser.prog}: error: {e}\n')
    finally:
        if writer is not None:
            writer.release()
    if unpaired:
        with open(osp.join(args.out_dir, 'unpaired.txt'), 'w') as f:
            f.write('\n'.join(unpaired) + '\n')
    print(f'{done} predictions written to {args.out_dir} with '
          f'{args.runtime} ({len(unpaired)} unpaired files skipped)')


if __name__ == '__main__':
    main(sys.argv[1:])
