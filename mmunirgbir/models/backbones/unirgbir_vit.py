# Copyright (c) mmunirgbir contributors. All rights reserved.
"""UniRGB-IR: a frozen ViT with the MFP + SFI adapter for RGB-IR inputs."""
import warnings
from typing import List, Optional, Sequence, Tuple

import timm
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from timm.layers import resample_abs_pos_embed
from timm.models.vision_transformer import VisionTransformer

from ..layers import (InjectionGate, MultiModalFeaturePool,
                      SupplementaryFeatureInjector, flatten_levels,
                      folded_pool_values)
from ..layers.window_attention import BLOCK_ATTRS, windowed_block_forward
from ..utils import CheckpointError, load_foundation_state


@MODELS.register_module()
class UniRGBIRViT(BaseModule):
    """UniRGB-IR backbone: frozen ViT + Multi-modal Feature Pool + injectors.

    `UniRGB-IR: A Unified Framework for Visible-Infrared Semantic Tasks via
    Adapter Tuning <https://arxiv.org/abs/2404.17360>`_.

    The input is one (B, 6, H, W) tensor: normalised RGB in channels 0-2 and
    normalised IR (as 3 channels) in 3-5. The ViT sees the RGB image; the
    :class:`MultiModalFeaturePool` turns both images into a multi-scale token
    pool; before each of the ViT's stages a
    :class:`SupplementaryFeatureInjector` reads the pool for every ViT token
    and (from the second stage on) an :class:`InjectionGate` blends it with
    the previous stage's injection; the sum enters the stage's frozen blocks.
    ``gamma`` starts at 0, so the untrained adapter is an exact identity.

    The defaults build the paper's reference: ViT-B/16, 4 stages of 3 blocks,
    8,904,400 trainable parameters.

    Args:
        vit_name (str): timm model name of the foundation ViT (any
            ``timm.models.vision_transformer.VisionTransformer``). Defaults to
            'vit_base_patch16_224'.
        img_size (int | tuple): Pre-training image size of the ViT, which sets
            the stored position-embedding grid. It is resized to every input.
            Defaults to 224.
        patch_size (int, optional): Patch size; None keeps the timm model's.
            A checkpoint with another patch size is resampled (FlexiViT).
            Defaults to None.
        vit_cfg (dict, optional): Extra kwargs for ``timm.create_model``.
        with_cls_token (bool): Keep the class token (and its position) in the
            sequence; incompatible with window attention. Defaults to False
            (ViTDet-style, patch tokens only).
        num_stages (int): Groups of blocks, one injector each. Defaults to 4.
        stage_blocks (Sequence[Sequence[int]], optional): Explicit
            ``(first, last)`` block index of each stage; defaults to an even
            split of the depth into ``num_stages``.
        out_indices (Sequence[int]): Stages whose output maps are returned.
            Defaults to (3, ) (the last; segmentation uses (0, 1, 2, 3)).
        window_size (int): ViTDet window attention side in tokens; 0 disables
            it. Defaults to 0.
        global_attn_indexes (Sequence[int]): Blocks that keep global attention
            when ``window_size > 0``. Defaults to (2, 5, 8, 11).
        freeze_vit (bool): Freeze all ViT parameters. Defaults to True.
        with_cp (bool): Gradient checkpointing of the ViT blocks (saves memory
            in training). Defaults to False.
        final_norm (bool): Apply the ViT's final norm to the last stage's
            output. Defaults to False.
        modality (str): 'rgbir' (fusion); 'rgb' or 'ir' feed that one image
            to the ViT and to both MFP stems, the single-modality baselines
            of the same model. Defaults to 'rgbir'.
        pad_to_patch (bool): Zero-pad inputs whose size is not a multiple of
            the patch size (bottom/right); otherwise raise. Defaults to True.
        drop_path_rate (float): Stochastic depth of the ViT. Defaults to 0.
        mfp_cfg (dict, optional): Extra kwargs of
            :class:`MultiModalFeaturePool` (channels, kernels, norm).
        num_heads (int): Deformable attention heads. Defaults to 12.
        num_points (int): Sampling points per head and level. Defaults to 4.
        value_proj_ratio (float): Deformable value ratio. Defaults to 0.5.
        init_gamma (float): Initial injector scale. Defaults to 0.
        fold_pool_projection (bool): Compute the injectors' values straight
            from the pyramid features, with the 1x1 projections, level
            embedding, feature norms and value projections folded into one
            small matrix per level (:func:`folded_pool_values`; same result,
            3x to 6x fewer operations). False runs the literal
            formulation. Defaults to True.
        pretrained (str, optional): Foundation checkpoint (also settable as
            ``init_cfg=dict(type='Pretrained', checkpoint=...)``).
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
                 pad_to_patch: bool = True,
                 drop_path_rate: float = 0.,
                 mfp_cfg: Optional[dict] = None,
                 num_heads: int = 12,
                 num_points: int = 4,
                 value_proj_ratio: float = 0.5,
                 init_gamma: float = 0.,
                 fold_pool_projection: bool = True,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        vit_kwargs = dict(
            pretrained=False,
            num_classes=0,
            global_pool='',
            class_token=with_cls_token,
            img_size=img_size,
            drop_path_rate=drop_path_rate)
        if patch_size is not None:
            vit_kwargs['patch_size'] = patch_size
        vit_kwargs.update(vit_cfg or {})
        vit = timm.create_model(vit_name, **vit_kwargs)
        if not isinstance(vit, VisionTransformer):
            raise TypeError(f'{vit_name} is a {type(vit).__name__}; '
                            'UniRGBIRViT needs a timm VisionTransformer')
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
        depth = len(vit.blocks)

        if stage_blocks is None:
            bounds = torch.linspace(0, depth, num_stages + 1).round().long()
            stage_blocks = [(int(bounds[i]), int(bounds[i + 1]) - 1)
                            for i in range(num_stages)]
        stage_blocks = [tuple(s) for s in stage_blocks]
        if stage_blocks[0][0] != 0 or stage_blocks[-1][1] != depth - 1 or any(
                a[1] + 1 != b[0] for a, b in zip(stage_blocks, stage_blocks[1:])):
            raise ValueError(f'stage_blocks {stage_blocks} must cover blocks '
                             f'0..{depth - 1} contiguously')
        self.stage_blocks = stage_blocks
        num_stages = len(stage_blocks)
        out_indices = tuple(out_indices)
        if not out_indices or any(not 0 <= i < num_stages for i in out_indices):
            raise ValueError(f'out_indices {out_indices} must index the '
                             f'{num_stages} stages')
        self.out_indices = out_indices

        self.window_size = window_size
        self.windowed = [
            window_size > 0 and i not in global_attn_indexes
            for i in range(depth)
        ]
        if window_size > 0:
            if self.num_prefix_tokens:
                raise ValueError('window attention needs with_cls_token=False '
                                 'and a ViT without register tokens')
            missing = [a for a in BLOCK_ATTRS if not hasattr(vit.blocks[0], a)]
            if missing:
                raise TypeError(f'{type(vit.blocks[0]).__name__} lacks '
                                f'{missing}: no window attention for it')
        self.freeze_vit = freeze_vit
        self.with_cp = with_cp
        self.pad_to_patch = pad_to_patch
        if modality not in ('rgbir', 'rgb', 'ir'):
            raise ValueError(f'modality must be "rgbir", "rgb" or "ir", got '
                             f'{modality!r}')
        self.modality = modality

        self.mfp = MultiModalFeaturePool(
            embed_dims=self.embed_dims, **(mfp_cfg or {}))
        self.level_embed = nn.Parameter(
            torch.zeros(self.mfp.num_levels, self.embed_dims))
        self.injectors = nn.ModuleList(
            SupplementaryFeatureInjector(
                embed_dims=self.embed_dims,
                num_heads=num_heads,
                num_levels=self.mfp.num_levels,
                num_points=num_points,
                value_proj_ratio=value_proj_ratio,
                init_gamma=init_gamma) for _ in range(num_stages))
        self.gates = nn.ModuleList(
            InjectionGate(self.embed_dims) for _ in range(num_stages - 1))
        nn.init.normal_(self.level_embed)
        self.fold_pool_projection = fold_pool_projection

        self.pretrained = pretrained
        if pretrained is not None and init_cfg is not None:
            raise ValueError('give either pretrained or init_cfg, not both')
        if freeze_vit:
            self.vit.requires_grad_(False)
            self.vit.eval()

    # ------------------------------------------------------------------ #
    # weights
    # ------------------------------------------------------------------ #
    def _checkpoint_spec(self) -> Tuple[Optional[str], Optional[str]]:
        if self.pretrained is not None:
            return self.pretrained, None
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            return cfg['checkpoint'], cfg.get('prefix')
        return None, None

    def init_weights(self) -> None:
        """Initialise the adapter and load the foundation checkpoint.

        Raises:
            CheckpointError: If a frozen ViT weight is missing from the given
                checkpoint (the ViT would stay random and frozen).
        """
        checkpoint, prefix = self._checkpoint_spec()
        init_cfg = self.init_cfg
        if checkpoint is not None:
            # keep mmengine's PretrainedInit (lenient, whole module) away
            self.init_cfg = None
        super().init_weights()
        self.init_cfg = init_cfg
        if checkpoint is not None:
            self.load_foundation(checkpoint, prefix=prefix)
        else:
            warnings.warn(
                'UniRGBIRViT: no foundation checkpoint given (pretrained=None '
                'and no Pretrained init_cfg); the '
                f'{"frozen " if self.freeze_vit else ""}ViT stays randomly '
                'initialised. Only meaningful for tests.')

    def prepare_foundation_state(
            self,
            checkpoint: str,
            prefix: Optional[str] = None
    ) -> Tuple[dict, List[str], List[str], List[str]]:
        """Read ``checkpoint`` and fit its ViT tensors to this ViT.

        Args:
            checkpoint (str): A timm / MAE / DeiT / detectron2 ViTDet /
                mmengine checkpoint path.
            prefix (str, optional): Key prefix of the ViT in the checkpoint;
                detected when None.

        Returns:
            tuple: The state dict (ViT keys only), notes on what was
            converted, missing ViT keys and unused checkpoint keys.

        Raises:
            CheckpointError: If the file cannot be read or shapes disagree.
        """
        model_state = self.vit.state_dict()
        grid = tuple(self.vit.patch_embed.grid_size)
        num_prefix_embed = 0 if self.vit.no_embed_class else \
            self.num_prefix_tokens
        state, notes = load_foundation_state(checkpoint, model_state, grid,
                                             num_prefix_embed, prefix)
        wrong_shape = [
            k for k, v in state.items()
            if k in model_state and v.shape != model_state[k].shape
        ]
        if wrong_shape:
            raise CheckpointError(
                f'{checkpoint}: shape mismatch for ' + ', '.join(
                    f'{k} {tuple(state[k].shape)} vs model '
                    f'{tuple(model_state[k].shape)}' for k in wrong_shape[:8]))
        missing = [k for k in model_state if k not in state]
        unexpected = [k for k in state if k not in model_state]
        return ({k: v for k, v in state.items() if k in model_state}, notes,
                missing, unexpected)

    def load_foundation(self, checkpoint: str,
                        prefix: Optional[str] = None) -> None:
        """Load the ViT weights from ``checkpoint`` and log a summary.

        Args:
            checkpoint (str): A timm / MAE / DeiT / detectron2 ViTDet /
                mmengine checkpoint path.
            prefix (str, optional): Key prefix of the ViT in the checkpoint;
                detected when None.

        Raises:
            CheckpointError: If the file cannot be read, or a ViT weight is
                missing while the ViT is frozen.
        """
        logger = MMLogger.get_current_instance()
        state, notes, missing, unexpected = self.prepare_foundation_state(
            checkpoint, prefix)
        total = len(self.vit.state_dict())
        if missing:
            msg = (f'{checkpoint}: {len(missing)} of {total} ViT '
                   f'weights missing from the checkpoint: {_short(missing)}')
            if self.freeze_vit:
                raise CheckpointError(
                    msg + '. Refusing to train a frozen ViT that did not load '
                    '(check the key names / prefix, or convert the file with '
                    'tools/model_converters).')
            logger.warning(msg)
        self.vit.load_state_dict(state, strict=False)
        logger.info(f'UniRGBIRViT: loaded {len(state)}/{total} ViT tensors '
                    f'from {checkpoint}' +
                    (f' ({"; ".join(notes)})' if notes else ''))
        if unexpected:
            logger.info(f'UniRGBIRViT: {len(unexpected)} checkpoint tensors '
                        f'unused: {_short(unexpected)}')

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
        if x.dim() != 4 or x.shape[1] != 6:
            raise ValueError(
                'UniRGBIRViT expects one (B, 6, H, W) tensor: RGB in channels '
                f'0-2 and IR (3 channels) in 3-5, got shape {tuple(x.shape)}')
        h, w = x.shape[-2:]
        p = self.patch_size
        if h % p or w % p:
            if not self.pad_to_patch:
                raise ValueError(f'input size {h}x{w} is not a multiple of the '
                                 f'patch size {p} (set pad_to_patch=True)')
            x = F.pad(x, (0, (-w) % p, 0, (-h) % p))
        return x

    def _split(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        rgb, ir = x[:, :3], x[:, 3:]
        if self.modality == 'rgb':
            return rgb, rgb
        if self.modality == 'ir':
            return ir, ir
        return rgb, ir

    def _embed(self, rgb: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int,
                                                                     int]]:
        """Patch tokens (+ prefix tokens) with resized position embeddings."""
        vit = self.vit
        x = vit.patch_embed.proj(rgb)
        hw = tuple(x.shape[-2:])
        x = vit.patch_embed.norm(x.flatten(2).transpose(1, 2))
        num_prefix_embed = 0 if vit.no_embed_class else self.num_prefix_tokens
        pos = vit.pos_embed
        if tuple(vit.patch_embed.grid_size) != hw:
            pos = resample_abs_pos_embed(
                pos,
                new_size=list(hw),
                old_size=list(vit.patch_embed.grid_size),
                num_prefix_tokens=num_prefix_embed,
                interpolation='bicubic',
                antialias=False)
        prefix = []
        if vit.cls_token is not None:
            prefix.append(vit.cls_token.expand(x.shape[0], -1, -1))
        if vit.reg_token is not None:
            prefix.append(vit.reg_token.expand(x.shape[0], -1, -1))
        if num_prefix_embed:
            x = torch.cat(prefix + [x], dim=1) + pos
        else:
            x = torch.cat(prefix + [x + pos], dim=1)
        return vit.norm_pre(vit.pos_drop(x)), hw

    def _run_block(self, index: int, x: torch.Tensor,
                   hw: Tuple[int, int]) -> torch.Tensor:
        block = self.vit.blocks[index]
        if self.windowed[index]:
            return windowed_block_forward(block, x, hw, self.window_size)
        return block(x)

    def _run_stage(self, stage: int, x: torch.Tensor,
                   hw: Tuple[int, int]) -> torch.Tensor:
        first, last = self.stage_blocks[stage]
        for i in range(first, last + 1):
            if self.with_cp and x.requires_grad:
                x = cp.checkpoint(self._run_block, i, x, hw,
                                  use_reentrant=False)
            else:
                x = self._run_block(i, x, hw)
        return x

    def _to_map(self, x: torch.Tensor, hw: Tuple[int, int],
                last: bool) -> torch.Tensor:
        x = x[:, self.num_prefix_tokens:]
        if last:
            x = self.vit.norm(x)
        return x.transpose(1, 2).reshape(x.shape[0], -1, *hw).contiguous()

    @staticmethod
    def _reference_points(hw: Tuple[int, int],
                          like: torch.Tensor) -> torch.Tensor:
        h, w = hw
        ys = (torch.arange(h, device=like.device, dtype=torch.float32) +
              0.5) / h
        xs = (torch.arange(w, device=like.device, dtype=torch.float32) +
              0.5) / w
        yy, xx = torch.meshgrid(ys, xs, indexing='ij')
        return torch.stack([xx, yy], -1).view(1, h * w, 2)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Extract features of an RGB-IR batch.

        Args:
            x (Tensor): Normalised RGB + IR, shape (B, 6, H, W).

        Returns:
            tuple[Tensor]: One (B, C, ceil(H/p), ceil(W/p)) map per entry of
            ``out_indices``.
        """
        rgb, ir = self._split(self._check_input(x))
        feats = self.mfp.forward_pyramid(rgb, ir)
        inject = self._pool_reader(feats)
        tokens, hw = self._embed(rgb)
        ref = self._reference_points(hw, tokens)
        npfx = self.num_prefix_tokens
        outs, injected = [], None
        for stage in range(len(self.injectors)):
            patches = tokens[:, npfx:]
            a = inject(stage, patches, ref)
            injected = a if injected is None else self.gates[stage - 1](
                a, injected)
            if npfx:  # the prefix tokens (class, registers) stay as they are
                tokens = torch.cat([tokens[:, :npfx], patches + injected], 1)
            else:
                tokens = patches + injected
            tokens = self._run_stage(stage, tokens, hw)
            if stage in self.out_indices:
                outs.append(
                    self._to_map(tokens, hw, stage == len(self.injectors) - 1))
        return tuple(outs)

    def _pool_reader(self, feats: List[torch.Tensor]):
        """Return ``inject(stage, patches, ref)`` reading the feature pool.

        Args:
            feats (list[Tensor]): The MFP pyramid before its projections.
        """
        if self.fold_pool_projection:
            with torch.autocast(device_type=feats[0].device.type,
                                enabled=False):
                values = folded_pool_values(
                    [f.float() for f in feats],
                    [p.weight for p in self.mfp.projections],
                    [p.bias for p in self.mfp.projections],
                    self.level_embed,
                    [inj.feat_norm.weight for inj in self.injectors],
                    [inj.feat_norm.bias for inj in self.injectors],
                    [inj.attn.value_proj.weight for inj in self.injectors],
                    [inj.attn.value_proj.bias for inj in self.injectors],
                    self.injectors[0].feat_norm.eps)

            def inject(stage, patches, ref):
                return self.injectors[stage].forward_projected(
                    patches, ref, values[stage])

            return inject

        # the literal formulation: project, embed, flatten, norm per injector
        levels = [
            proj(f) + self.level_embed[i].view(1, -1, 1, 1).to(f.dtype)
            for i, (proj, f) in enumerate(zip(self.mfp.projections, feats))
        ]
        pool, shapes = flatten_levels(levels)

        def inject(stage, patches, ref):
            return self.injectors[stage](patches, ref, pool, shapes)

        return inject

    def forward_foundation(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """The same outputs from the ViT alone, on the RGB channels.

        This is the adapter-free baseline: the model at initialisation
        (``gamma`` = 0) returns exactly these maps. Accepts (B, 6, H, W) or
        (B, 3, H, W).
        """
        if x.dim() == 4 and x.shape[1] == 3:
            x = torch.cat([x, x], dim=1)
        tokens, hw = self._embed(self._split(self._check_input(x))[0])
        outs = []
        for stage in range(len(self.stage_blocks)):
            tokens = self._run_stage(stage, tokens, hw)
            if stage in self.out_indices:
                outs.append(
                    self._to_map(tokens, hw,
                                 stage == len(self.stage_blocks) - 1))
        return tuple(outs)


def _short(keys: List[str], n: int = 8) -> str:
    keys = list(keys)
    return ', '.join(keys[:n]) + (f' ... (+{len(keys) - n})'
                                  if len(keys) > n else '')
