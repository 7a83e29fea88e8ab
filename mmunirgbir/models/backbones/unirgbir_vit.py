# Copyright (c) mmunirgbir contributors. All rights reserved.
"""UniRGB-IR: a frozen ViT with the MFP + SFI adapter for RGB-IR inputs."""
import warnings
from typing import List, Optional, Sequence, Tuple

import timm
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from timm.layers import resample_abs_pos_embed
from timm.models.eva import Eva
from timm.models.vision_transformer import VisionTransformer

from ..layers import (InjectionGate, MultiModalFeaturePool, StreamFusion,
                      SupplementaryFeatureInjector, sample_displaced)
from ..layers.window_attention import BLOCK_ATTRS, windowed_block_forward
from ...utils import load_foundation
from ..utils import route_missing_modality


#: what the frozen ViT of a fused model can see
VIT_INPUTS = ('rgb', 'ir', 'both')


@MODELS.register_module()
class UniRGBIRViT(BaseModule):
    """UniRGB-IR backbone: frozen ViT + Multi-modal Feature Pool + injectors.

    `UniRGB-IR: A Unified Framework for Visible-Infrared Semantic Tasks via
    Adapter Tuning <https://arxiv.org/abs/2404.17360>`_.

    The input is one (B, 6, H, W) tensor: normalised RGB in channels 0-2 and
    normalised IR (as 3 channels) in 3-5. The ViT sees the RGB image (the
    paper's design; ``vit_input`` chooses another); the
    :class:`MultiModalFeaturePool` turns both images into a multi-scale token
    pool; before each of the ViT's stages a
    :class:`SupplementaryFeatureInjector` reads the pool for every patch
    token and (from the second stage on) an :class:`InjectionGate` blends it
    with the previous stage's injection; the sum enters the stage's frozen
    blocks. ``gamma`` starts at 0, so the untrained adapter is an exact
    identity.

    The foundation is any timm ``VisionTransformer`` (MAE, DeiT, DINOv2, ...)
    or ``Eva`` (EVA-02, DINOv3: rotary position embeddings, computed for the
    token grid of every input). Class and register tokens stay in the
    sequence; only the patch tokens receive injections. Absolute position
    tables are resized to every input bicubically without antialiasing, as
    ViTDet and DINOv2 do (timm's dynamic-size path antialiases).

    The defaults build the paper's reference: ViT-B/16, 4 stages of 3 blocks,
    8,904,400 trainable parameters.

    Args:
        vit_name (str): timm model name of the foundation (a
            ``VisionTransformer`` or an ``Eva``). Defaults to
            'vit_base_patch16_224'.
        img_size (int | tuple): Pre-training image size of the ViT, which sets
            its stored position-embedding grid. Defaults to 224.
        patch_size (int, optional): Patch size; None keeps the timm model's.
            A checkpoint with another patch size is resampled (FlexiViT).
            Defaults to None.
        vit_cfg (dict, optional): Extra kwargs for ``timm.create_model``.
        with_cls_token (bool): Keep the class token in the sequence
            (incompatible with window attention). Defaults to False
            (ViTDet-style).
        num_stages (int): Groups of blocks, one injector each. Defaults to 4.
        stage_blocks (Sequence[Sequence[int]], optional): Explicit
            ``(first, last)`` block index of each stage; defaults to an even
            split of the depth into ``num_stages``.
        out_indices (int | Sequence[int]): Stages whose output maps are
            returned, in increasing order.
            Defaults to (3, ) (the last; segmentation uses (0, 1, 2, 3)).
        window_size (int): ViTDet window attention side in tokens; 0 disables
            it. ``VisionTransformer`` blocks only: Eva blocks apply their
            rotary embedding inside the attention, for the whole grid.
            Defaults to 0.
        global_attn_indexes (Sequence[int]): Blocks that keep global attention
            when ``window_size > 0``. Defaults to (2, 5, 8, 11).
        freeze_vit (bool): Freeze all ViT parameters. Defaults to True.
        with_cp (bool): Gradient checkpointing of the ViT blocks (saves memory
            in training). Defaults to False.
        final_norm (bool): Apply the ViT's final norm to the last stage's
            output. Defaults to False.
        modality (str): 'rgbir' (fusion); 'rgb' or 'ir' feed that one image
            to the ViT and to both MFP stems, the single-modality baselines
            of the same model. Defaults to 'rgbir'. A fused model also
            serves samples that miss one image (``missing_modality`` of
            :meth:`forward`), routed per sample as these baselines are.
        vit_input (str): The image the frozen ViT sees in a fused model:
            'rgb' (the paper: IR enters through the feature pool only),
            'ir' (RGB enters through the pool), or 'both': the ViT runs the
            RGB and the IR image as one batch of two streams, every stream
            is injected from the same pool by the same injectors and gates,
            and a :class:`StreamFusion` per output blends the two streams'
            maps (about twice the ViT's cost; the only new weights are the
            fusions'). With an alignment in the pool (``mfp_cfg``'s
            ``alignment_cfg``), the IR image the ViT sees in 'ir' and 'both'
            is moved by the shift the pool estimated, so that its tokens
            and the RGB stream's describe the same places.
            Defaults to 'rgb'.
        rgb_stream_downsample (int): With ``vit_input='both'``, the RGB
            stream runs on the RGB image average-pooled by this factor (2: a
            quarter of its tokens; the IR stream keeps the input size). Its
            token grid reads the feature pool at the places it covers, and
            its output maps are upsampled by the factor (bilinear) onto the
            IR stream's grid before the fusion. 1 runs both streams at the
            input size. Defaults to 1.
        pad_to_patch (bool): Zero-pad inputs whose size is not a multiple of
            the patch size (bottom/right); otherwise raise. Defaults to True.
        drop_path_rate (float): Stochastic depth of the ViT. Defaults to 0.
        mfp_cfg (dict, optional): Extra kwargs of
            :class:`MultiModalFeaturePool` (channels, kernels, norm).
        sfi_cfg (dict, optional): Extra kwargs of every
            :class:`SupplementaryFeatureInjector` (``num_heads`` of the
            deformable attention, ``num_points``, ``value_proj_ratio``,
            ``init_gamma``).
        pretrained (str, optional): Foundation checkpoint (also settable as
            ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)``),
            loaded by :meth:`init_weights`.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 vit_name: str = 'vit_base_patch16_224',
                 img_size=224,
                 patch_size: Optional[int] = None,
                 vit_cfg: Optional[dict] = None,
                 with_cls_token: bool = False,
                 num_stages: int = 4,
                 stage_blocks: Optional[Sequence[Sequence[int]]] = None,
                 out_indices: Sequence[int] = (3, ),
                 window_size: int = 0,
                 global_attn_indexes: Sequence[int] = (2, 5, 8, 11),
                 freeze_vit: bool = True,
                 with_cp: bool = False,
                 final_norm: bool = False,
                 modality: str = 'rgbir',
                 vit_input: str = 'rgb',
                 rgb_stream_downsample: int = 1,
                 pad_to_patch: bool = True,
                 drop_path_rate: float = 0.,
                 mfp_cfg: Optional[dict] = None,
                 sfi_cfg: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        # the foundation checkpoint is loaded by init_weights(), not by
        # mmengine's lenient PretrainedInit
        self.foundation_checkpoint, self.foundation_prefix = pretrained, None
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
            if pretrained is not None:
                raise ValueError('give either pretrained or init_cfg, not both')
            self.foundation_checkpoint = init_cfg['checkpoint']
            self.foundation_prefix = init_cfg.get('prefix')
            init_cfg = None
        super().__init__(init_cfg=init_cfg)
        if modality not in ('rgbir', 'rgb', 'ir'):
            raise ValueError(f'modality must be "rgbir", "rgb" or "ir", got '
                             f'{modality!r}')
        if vit_input not in VIT_INPUTS:
            raise ValueError(f'vit_input must be one of {VIT_INPUTS}, got '
                             f'{vit_input!r}')
        if vit_input == 'both' and modality != 'rgbir':
            raise ValueError(
                f"vit_input='both' needs modality='rgbir' (a {modality!r} "
                'model has one image: use the default vit_input)')
        if not (isinstance(rgb_stream_downsample, int)
                and rgb_stream_downsample >= 1):
            raise ValueError('rgb_stream_downsample must be an integer >= 1, '
                             f'got {rgb_stream_downsample!r}')
        if rgb_stream_downsample > 1 and vit_input != 'both':
            raise ValueError(
                f'rgb_stream_downsample={rgb_stream_downsample} needs '
                f"vit_input='both' (the RGB stream), got {vit_input!r}")
        self.modality = modality
        self.vit_input = vit_input
        self.rgb_stream_downsample = rgb_stream_downsample
        self.freeze_vit = freeze_vit
        self.with_cp = with_cp
        self.pad_to_patch = pad_to_patch

        vit_kwargs = dict(
            pretrained=False,
            num_classes=0,
            global_pool='',
            class_token=with_cls_token,
            img_size=img_size,
            dynamic_img_size=True,
            drop_path_rate=drop_path_rate)
        if patch_size is not None:
            vit_kwargs['patch_size'] = patch_size
        vit_kwargs.update(vit_cfg or {})
        vit = timm.create_model(vit_name, **vit_kwargs)
        if not isinstance(vit, (VisionTransformer, Eva)):
            raise TypeError(f'{vit_name} is a {type(vit).__name__}; '
                            'UniRGBIRViT needs a timm VisionTransformer or '
                            'Eva')
        # the classifier parts and (unless used) the final norm are dropped so
        # that every remaining ViT weight must come from the checkpoint
        vit.head, vit.fc_norm, vit.head_drop = (nn.Identity(), nn.Identity(),
                                                nn.Identity())
        if not final_norm:
            vit.norm = nn.Identity()
        self.vit = vit
        self.embed_dims = vit.embed_dim
        self.patch_size = vit.patch_embed.patch_size[0]
        self.num_prefix_tokens = vit.num_prefix_tokens
        self.stage_blocks = _stage_blocks(len(vit.blocks), num_stages,
                                          stage_blocks)
        num_stages = len(self.stage_blocks)
        out_indices = (out_indices, ) if isinstance(out_indices,
                                                    int) else tuple(out_indices)
        if not out_indices or any(not 0 <= i < num_stages for i in out_indices
                                  ) or list(out_indices) != sorted(
                                      set(out_indices)):
            raise ValueError(f'out_indices {out_indices} must be increasing, '
                             f'distinct indices of the {num_stages} stages')
        self.out_indices = out_indices

        self.window_size = window_size
        self.windowed = [
            window_size > 0 and i not in global_attn_indexes
            for i in range(len(vit.blocks))
        ]
        if window_size > 0:
            if self.num_prefix_tokens:
                raise ValueError('window attention needs with_cls_token=False '
                                 'and a ViT without register tokens')
            missing = [a for a in BLOCK_ATTRS if not hasattr(vit.blocks[0], a)]
            if missing:
                raise TypeError(
                    f'{type(vit.blocks[0]).__name__} lacks {missing}: window '
                    'attention is for timm VisionTransformer blocks only')

        self.mfp = MultiModalFeaturePool(
            embed_dims=self.embed_dims, **(mfp_cfg or {}))
        self.injectors = nn.ModuleList(
            SupplementaryFeatureInjector(
                embed_dims=self.embed_dims,
                num_levels=self.mfp.num_levels,
                **(sfi_cfg or {})) for _ in range(num_stages))
        self.gates = nn.ModuleList(
            InjectionGate(self.embed_dims) for _ in range(num_stages - 1))
        self.stream_fusions = nn.ModuleList(
            StreamFusion(self.embed_dims) for _ in (
                out_indices if vit_input == 'both' else ()))
        self._register_load_state_dict_pre_hook(_rename_legacy_keys)
        if freeze_vit:
            self.vit.requires_grad_(False)
            self.vit.eval()

    # ------------------------------------------------------------------ #
    # weights
    # ------------------------------------------------------------------ #
    def init_weights(self) -> None:
        """Initialise the adapter and load the foundation checkpoint.

        Raises:
            CheckpointError: If a frozen ViT weight is missing from the given
                checkpoint (the ViT would stay random and frozen).
        """
        super().init_weights()
        if self.foundation_checkpoint is not None:
            load_foundation(
                self.vit,
                self.foundation_checkpoint,
                self.foundation_prefix,
                allow_missing=not self.freeze_vit)
        else:
            warnings.warn(
                'UniRGBIRViT: no foundation checkpoint given (pretrained=None '
                'and no Pretrained init_cfg); the '
                f'{"frozen " if self.freeze_vit else ""}ViT stays randomly '
                'initialised. Only meaningful for tests.')

    # ------------------------------------------------------------------ #
    # forward
    # ------------------------------------------------------------------ #
    def train(self, mode: bool = True) -> 'UniRGBIRViT':
        """Set train mode, keeping a frozen ViT in eval mode."""
        super().train(mode)
        if self.freeze_vit:
            self.vit.eval()
        return self

    def _check_input(self, x: torch.Tensor) -> torch.Tensor:
        """Check the shape; pad to the patch size (the ViT and the feature
        pool then see the same frame)."""
        if x.dim() != 4 or x.shape[1] != 6:
            raise ValueError(
                'UniRGBIRViT expects one (B, 6, H, W) tensor: RGB in channels '
                f'0-2 and IR (3 channels) in 3-5, got shape {tuple(x.shape)}')
        h, w = x.shape[-2:]
        p = self.patch_size
        if not self.pad_to_patch:
            if not torch.compiler.is_exporting() and (h % p or w % p):
                raise ValueError(f'input size {h}x{w} is not a multiple of '
                                 f'the patch size {p} (set pad_to_patch=True)')
            return x
        return self._pad_to_patch(x)

    def _pad_to_patch(self, x: torch.Tensor) -> torch.Tensor:
        """Zero-pad the bottom and right to a multiple of the patch size."""
        h, w = x.shape[-2:]
        p = self.patch_size
        if torch.compiler.is_exporting():
            # symbolic sizes (ONNX export): pad without a data-dependent test
            return F.pad(x, (0, (p - w % p) % p, 0, (p - h % p) % p))
        if h % p or w % p:
            x = F.pad(x, (0, (-w) % p, 0, (-h) % p))
        return x

    def _split(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        rgb, ir = x[:, :3], x[:, 3:]
        if self.modality == 'rgb':
            return rgb, rgb
        if self.modality == 'ir':
            return ir, ir
        return rgb, ir

    def _embed(self, rgb: torch.Tensor):
        """Prefix + patch tokens with positions, the token grid and the
        rotary embedding of that grid (None without one)."""
        vit = self.vit
        x = vit.patch_embed(rgb)  # (B, h, w, C): timm's dynamic-size path
        bs, h, w, _ = x.shape
        x = x.flatten(1, 2)  # a view of the convolution's output
        prefix = [
            t.expand(bs, -1, -1) for t in (vit.cls_token, vit.reg_token)
            if t is not None
        ]
        if vit.pos_embed is not None:
            npe = 0 if vit.no_embed_class else self.num_prefix_tokens
            pos = resample_abs_pos_embed(
                vit.pos_embed, [h, w],
                list(vit.patch_embed.grid_size),
                num_prefix_tokens=npe,
                antialias=False)
            x = pos[:, npe:] + x  # contiguous like pos (x is a strided view)
            if npe:
                prefix = [torch.cat(prefix, 1) + pos[:, :npe]]
        rope = getattr(vit, 'rope', None)
        if rope is not None:
            rope = rope.get_embed(shape=[h, w])
        # contiguous tokens: the blocks' matrix products run ~3 % faster
        x = torch.cat(prefix + [x], 1) if prefix else x.contiguous()
        return vit.norm_pre(vit.pos_drop(x)), (h, w), rope

    def _run_block(self, index: int, x: torch.Tensor, hw: Tuple[int, int],
                   rope: Optional[torch.Tensor]) -> torch.Tensor:
        block = self.vit.blocks[index]
        if self.windowed[index]:
            return windowed_block_forward(block, x, hw, self.window_size)
        if rope is None:
            return block(x)
        if getattr(self.vit, 'rope_mixed', False):  # one embedding per depth
            rope = rope[index]
        return block(x, rope=rope)

    def _run_stage(self, stage: int, x: torch.Tensor, hw: Tuple[int, int],
                   rope: Optional[torch.Tensor]) -> torch.Tensor:
        first, last = self.stage_blocks[stage]
        for i in range(first, last + 1):
            if self.with_cp and x.requires_grad:
                x = cp.checkpoint(
                    self._run_block, i, x, hw, rope, use_reentrant=False)
            else:
                x = self._run_block(i, x, hw, rope)
        return x

    def _to_map(self, x: torch.Tensor, hw: Tuple[int, int],
                stage: int) -> torch.Tensor:
        x = x[:, self.num_prefix_tokens:]
        if stage == len(self.stage_blocks) - 1:
            x = self.vit.norm(x)
        return x.transpose(1, 2).reshape(x.shape[0], -1, *hw).contiguous()

    @staticmethod
    def _reference_points(hw: Tuple[int, int], like: torch.Tensor,
                          frame_hw: Tuple[int, int],
                          stride: int = 1) -> torch.Tensor:
        """Token centres in the pool's normalised frame: ``frame_hw`` tokens
        span it, each token of this grid spans ``stride`` of them."""
        (h, w), (fh, fw) = hw, frame_hw
        ys = (torch.arange(h, device=like.device, dtype=torch.float32) +
              0.5) * stride / fh
        xs = (torch.arange(w, device=like.device, dtype=torch.float32) +
              0.5) * stride / fw
        yy, xx = torch.meshgrid(ys, xs, indexing='ij')
        return torch.stack([xx, yy], -1).view(1, h * w, 2)

    def forward(self,
                x: torch.Tensor,
                missing_modality: Optional[Sequence[Optional[str]]] = None
                ) -> Tuple[torch.Tensor, ...]:
        """Extract features of an RGB-IR batch.

        Args:
            x (Tensor): Normalised RGB + IR, shape (B, 6, H, W).
            missing_modality (Sequence[str | None], optional): Per sample,
                'rgb' or 'ir' when that image is missing: the sample is fed
                as the other modality's baseline is
                (:func:`route_missing_modality`; the RGB-IR data
                preprocessors apply the same routing from the samples'
                metainfo). None: every sample has both.

        Returns:
            tuple[Tensor]: One (B, C, ceil(H/p), ceil(W/p)) map per entry of
            ``out_indices``.
        """
        x = route_missing_modality(x, missing_modality)
        rgb, ir = self._split(self._check_input(x))
        pool = self.mfp(rgb, ir)
        if self.vit_input != 'rgb' and pool.ir_shift is not None:
            ir = sample_displaced(ir, pool.ir_shift.to(ir.dtype))
        images = self._vit_images(rgb, ir)
        if len(images) == 1 and self.vit_input == 'both':
            pool = pool.repeat(2)  # one batch of the two streams
        p = self.patch_size
        frame = (rgb.shape[-2] // p, rgb.shape[-1] // p)
        return self._fuse_streams([
            self._run_stream(image, pool, frame, stride)
            for image, stride in zip(images, (self.rgb_stream_downsample, 1))
        ])

    def _run_stream(self, image: torch.Tensor, pool=None,
                    frame_hw: Optional[Tuple[int, int]] = None,
                    stride: int = 1) -> List[torch.Tensor]:
        """The output maps of the ViT on one image, injected from ``pool``
        before every stage (None: the ViT alone). The pool's frame is
        ``frame_hw`` tokens; each of this image's tokens spans ``stride`` of
        them."""
        tokens, hw, rope = self._embed(image)
        npfx = self.num_prefix_tokens
        if pool is not None:
            ref = self._reference_points(hw, tokens, frame_hw, stride)
        outs, injected = [], None
        for stage in range(len(self.stage_blocks)):
            if pool is not None:
                patches = tokens[:, npfx:]
                a = self.injectors[stage](patches, ref, pool)
                injected = a if injected is None else self.gates[stage - 1](
                    a, injected)
                if npfx:  # prefix tokens (class, registers) stay as they are
                    tokens = torch.cat([tokens[:, :npfx], patches + injected],
                                       1)
                else:
                    tokens = patches + injected
            tokens = self._run_stage(stage, tokens, hw, rope)
            if stage in self.out_indices:
                outs.append(self._to_map(tokens, hw, stage))
        return outs

    def _vit_images(self, rgb: torch.Tensor,
                    ir: torch.Tensor) -> List[torch.Tensor]:
        """What the ViT runs, one entry per token sequence: one image, both
        as one batch of two, or the pooled RGB and the IR image."""
        if self.vit_input != 'both':
            return [ir if self.vit_input == 'ir' else rgb]
        k = self.rgb_stream_downsample
        if k == 1:
            return [torch.cat([rgb, ir])]
        return [self._pad_to_patch(F.avg_pool2d(rgb, k, ceil_mode=True)), ir]

    def _fuse_streams(self, streams: List[List[torch.Tensor]]
                      ) -> Tuple[torch.Tensor, ...]:
        """One map per output; the two streams of 'both' blended."""
        if self.vit_input != 'both':
            return tuple(streams[0])
        if len(streams) == 1:
            # slices, not chunk(): chunk exports as an ONNX sequence split
            half = streams[0][0].shape[0] // 2
            pairs = [(out[:half], out[half:]) for out in streams[0]]
        else:  # the coarser RGB grid onto the IR one (it may overhang it)
            pairs = [(F.interpolate(
                rgb, scale_factor=self.rgb_stream_downsample, mode='bilinear',
                align_corners=False)[..., :ir.shape[-2], :ir.shape[-1]], ir)
                     for rgb, ir in zip(*streams)]
        return tuple(
            fusion(rgb, ir)
            for fusion, (rgb, ir) in zip(self.stream_fusions, pairs))

    def forward_foundation(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """The same outputs from the ViT alone, on the image(s) of
        ``vit_input`` (RGB by default; both streams blended by the fusions
        for 'both').

        This is the adapter-free baseline: the model at initialisation
        (``gamma`` = 0) returns exactly these maps. Accepts (B, 6, H, W) or
        (B, 3, H, W) (the one image as both modalities).
        """
        if x.dim() == 4 and x.shape[1] == 3:
            x = torch.cat([x, x], dim=1)
        images = self._vit_images(*self._split(self._check_input(x)))
        return self._fuse_streams([self._run_stream(i) for i in images])


def _stage_blocks(depth: int, num_stages: int,
                  stage_blocks: Optional[Sequence[Sequence[int]]]
                  ) -> List[Tuple[int, int]]:
    """``(first, last)`` block of each stage: given, or an even split."""
    if stage_blocks is None:
        if not 1 <= num_stages <= depth:
            raise ValueError(f'num_stages {num_stages} must be 1 to the '
                             f'ViT\'s {depth} blocks')
        bounds = torch.linspace(0, depth, num_stages + 1).round().long()
        stage_blocks = [(int(bounds[i]), int(bounds[i + 1]) - 1)
                        for i in range(num_stages)]
    stage_blocks = [tuple(s) for s in stage_blocks]
    if any(last < first for first, last in stage_blocks):
        raise ValueError(f'stage_blocks {stage_blocks}: a stage ends before '
                         'it starts')
    if stage_blocks[0][0] != 0 or stage_blocks[-1][1] != depth - 1 or any(
            a[1] + 1 != b[0] for a, b in zip(stage_blocks, stage_blocks[1:])):
        raise ValueError(f'stage_blocks {stage_blocks} must cover blocks '
                         f'0..{depth - 1} contiguously')
    return stage_blocks


def _rename_legacy_keys(state_dict, prefix, *args) -> None:
    """Checkpoints of the first layout kept the level embedding here."""
    if prefix + 'level_embed' in state_dict:
        state_dict[prefix + 'mfp.level_embed'] = state_dict.pop(prefix +
                                                                'level_embed')

