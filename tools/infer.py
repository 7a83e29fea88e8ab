# Copyright (c) mmunirgbir contributors. All rights reserved.
"""Run a trained model on RGB-IR pairs, paired folders or two videos.

    python tools/infer.py CONFIG CHECKPOINT --rgb RGB --ir IR --out-dir OUT \
        [--batch-size 4] [--device cpu|cuda] [--score-thr 0.3] [--resize-ir] \
        [--no-save-vis] [--no-save-pred] [--print-result]

RGB / IR are two images, two folders (paired by file name; files without a
partner are listed in OUT/unpaired.txt, never guessed, and skipped unless
--run-unpaired) or two videos (read frame by frame in lockstep). Give only
--rgb or only --ir when a camera is missing: the model runs that modality
alone, as its single-modality baseline. OUT/vis holds RGB | IR | result images
(OUT/vis.mp4 for videos); OUT/preds holds JSON boxes (detection) or PNG label
/ saliency maps at the original resolution. --resize-ir resizes IR images
whose size differs from their RGB partner instead of refusing them.
"""
import argparse

from mmunirgbir.apis import UniRGBIRInferencer


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be at least 1, got {value}')
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--rgb', help='RGB image, folder or video')
    parser.add_argument('--ir', help='IR image, folder or video')
    parser.add_argument('--run-unpaired', action='store_true',
                        help='run folder files without a partner '
                        'single-modality instead of skipping them')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--batch-size', type=positive_int, default=1)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--resize-ir', action='store_true',
                        help='resize IR to the RGB size where they differ')
    parser.add_argument('--no-save-vis', action='store_true',
                        help='write no RGB | IR | result images')
    parser.add_argument('--no-save-pred', action='store_true',
                        help='write no prediction files')
    parser.add_argument('--print-result', action='store_true',
                        help='print every prediction as one JSON line')
    args = parser.parse_args()
    if args.rgb is None and args.ir is None:
        parser.error('give --rgb, --ir or both')
    try:
        inferencer = UniRGBIRInferencer(args.config, args.checkpoint,
                                        device=args.device,
                                        score_thr=args.score_thr,
                                        resize_ir=args.resize_ir)
        result = inferencer(args.rgb, args.ir, out_dir=args.out_dir,
                            batch_size=args.batch_size,
                            run_unpaired=args.run_unpaired,
                            no_save_vis=args.no_save_vis,
                            no_save_pred=args.no_save_pred,
                            print_result=args.print_result)
    except (OSError, ValueError, RuntimeError) as e:
        # bad inputs: their message, without a traceback; exit status 1
        parser.exit(1, f'{parser.prog}: error: {e}\n')
    print(f'{len(result["predictions"])} predictions written to '
          f'{args.out_dir} ({len(result["unpaired"])} unpaired files '
          'skipped)')


if __name__ == '__main__':
    main()
