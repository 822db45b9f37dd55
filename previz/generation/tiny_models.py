"""Tiny random-weight pipelines of the real diffusers classes, built offline (tests and benchmarks).

Each builder saves a complete diffusers folder (``save_pretrained(safe_serialization=True)``) that the
catalog, the backend and the worker load exactly like a downloaded model. Tokenizers are built from a
small in-memory vocabulary, so nothing is downloaded. Speed does not depend on weight values, so
``build_ltx(..., full_size=True)`` gives the LTX-Video 2B transformer architecture for GPU timing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

_WORDS = (
    "▁a ▁the ▁man ▁woman ▁walks ▁runs ▁car ▁city ▁street ▁night ▁day ▁rain ▁red ▁blue ▁looks ▁up ▁at ▁in "
    "▁to ▁and ▁of ▁on ▁wide ▁close ▁shot ▁camera a b c d e f g h i j k l m n o p q r s t u v w x y z"
).split()


def _tokenizer():
    from transformers import T5Tokenizer

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + [
        (w, -float(i + 1)) for i, w in enumerate(_WORDS)
    ]
    return T5Tokenizer(vocab=vocab, extra_ids=0)


def _text_encoder(d_model: int = 32, *, umt5: bool = False):
    """A tiny T5 encoder (UMT5 for Wan, whose pipelines declare ``UMT5EncoderModel``)."""
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    config_cls, model_cls = (UMT5Config, UMT5EncoderModel) if umt5 else (T5Config, T5EncoderModel)
    config = config_cls(
        vocab_size=len(_WORDS) + 3,
        d_model=d_model,
        d_kv=8,
        d_ff=37,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )
    return model_cls(config)


def _ltx_vae(tiny: bool):
    from diffusers import AutoencoderKLLTXVideo

    if not tiny:
        return AutoencoderKLLTXVideo()  # the LTX-Video 0.9 VAE architecture (128 latent channels)
    return AutoencoderKLLTXVideo(
        in_channels=3,
        out_channels=3,
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False,
        patch_size=1,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )


def build_ltx(folder: Path, *, full_size: bool = False, dtype=None) -> Path:
    """LTX-Video: one folder serves LTXPipeline, LTXImageToVideoPipeline and LTXConditionPipeline.

    ``full_size`` builds the LTX-Video 2B transformer and VAE architecture (saved in ``dtype``, e.g.
    ``torch.bfloat16``, to halve the folder); build it under ``with torch.device("cuda")`` for speed.
    """
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, LTXPipeline, LTXVideoTransformer3DModel

    torch.manual_seed(0)
    if full_size:
        # The LTX-Video 2B transformer (28 layers, 32 heads x 64, 128 latent channels); T5 kept tiny
        # but with the 4096-wide caption projection the real model has.
        transformer = LTXVideoTransformer3DModel()
        text_encoder = _text_encoder(d_model=4096)
    else:
        transformer = LTXVideoTransformer3DModel(
            in_channels=8,
            out_channels=8,
            patch_size=1,
            patch_size_t=1,
            num_attention_heads=4,
            attention_head_dim=8,
            cross_attention_dim=32,
            num_layers=1,
            caption_channels=32,
        )
        text_encoder = _text_encoder()
    pipe = LTXPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=_ltx_vae(tiny=not full_size),
        text_encoder=text_encoder,
        tokenizer=_tokenizer(),
        transformer=transformer,
    )
    if dtype is not None:
        pipe.to(dtype=dtype)
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def _wan_vae():
    from diffusers import AutoencoderKLWan

    return AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    )


def _wan_transformer(
    in_channels: int,
    image_dim: int | None = None,
    pos_embed_seq_len: int | None = None,
    out_channels: int = 16,
):
    from diffusers import WanTransformer3DModel

    return WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=in_channels,
        out_channels=out_channels,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
        image_dim=image_dim,
        pos_embed_seq_len=pos_embed_seq_len,
    )


def build_wan_t2v(folder: Path) -> Path:
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, WanPipeline

    torch.manual_seed(0)
    pipe = WanPipeline(
        tokenizer=_tokenizer(),
        text_encoder=_text_encoder(umt5=True),
        vae=_wan_vae(),
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        transformer=_wan_transformer(16),
    )
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def _build_wan_image(folder: Path, *, first_last: bool) -> Path:
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(0)
    image_size = 4  # CLIP sees 4x4 patches + 1 class token = 17 tokens per image
    encoder = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=4,
            projection_dim=4,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=image_size,
            intermediate_size=16,
            patch_size=1,
        )
    )
    tokens = image_size * image_size + 1
    pipe = WanImageToVideoPipeline(
        tokenizer=_tokenizer(),
        text_encoder=_text_encoder(umt5=True),
        vae=_wan_vae(),
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        image_processor=CLIPImageProcessor(crop_size=image_size, size=image_size),
        image_encoder=encoder,
        transformer=_wan_transformer(36, image_dim=4, pos_embed_seq_len=2 * tokens if first_last else None),
    )
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def build_wan_i2v(folder: Path) -> Path:
    return _build_wan_image(folder, first_last=False)


def build_wan_flf2v(folder: Path) -> Path:
    """A Wan 2.1 first/last-frame model: its transformer embeds two CLIP images (pos_embed_seq_len)."""
    return _build_wan_image(folder, first_last=True)


def build_wan22_ti2v(folder: Path) -> Path:
    """Wan 2.2 TI2V-5B: a ``WanPipeline`` with ``expand_timesteps`` and the 48-channel, 16x VAE; the same
    folder runs text-to-video and (through ``WanImageToVideoPipeline``) image-to-video."""
    import torch
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanPipeline

    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        base_dim=3,
        z_dim=48,
        in_channels=12,
        out_channels=12,
        is_residual=True,
        patch_size=2,
        latents_mean=[0.0] * 48,
        latents_std=[1.0] * 48,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        scale_factor_spatial=16,
        scale_factor_temporal=4,
        temperal_downsample=[False, True, True],
    )
    pipe = WanPipeline(
        tokenizer=_tokenizer(),
        text_encoder=_text_encoder(umt5=True),
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=5.0),
        transformer=_wan_transformer(48, out_channels=48),
        expand_timesteps=True,
    )
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def _cog_vae():
    from diffusers import AutoencoderKLCogVideoX

    return AutoencoderKLCogVideoX(
        in_channels=3,
        out_channels=3,
        down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8),
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=2,
        temporal_compression_ratio=4,
    )


def _build_cog(folder: Path, *, image: bool) -> Path:
    import torch
    from diffusers import (
        CogVideoXDDIMScheduler,
        CogVideoXImageToVideoPipeline,
        CogVideoXPipeline,
        CogVideoXTransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2,
        attention_head_dim=16,
        in_channels=8 if image else 4,
        out_channels=4,
        time_embed_dim=2,
        text_embed_dim=32,
        num_layers=1,
        sample_width=2,
        sample_height=2,
        sample_frames=9,
        patch_size=2,
        temporal_compression_ratio=4,
        max_text_seq_length=226,
        use_rotary_positional_embeddings=image,
        use_learned_positional_embeddings=image,
    )
    cls = CogVideoXImageToVideoPipeline if image else CogVideoXPipeline
    pipe = cls(
        tokenizer=_tokenizer(),
        text_encoder=_text_encoder(),
        vae=_cog_vae(),
        transformer=transformer,
        scheduler=CogVideoXDDIMScheduler(),
    )
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def build_cogvideox_t2v(folder: Path) -> Path:
    return _build_cog(folder, image=False)


def build_cogvideox_i2v(folder: Path) -> Path:
    return _build_cog(folder, image=True)


def build_svd(folder: Path) -> Path:
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=8,
        out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=32,
        num_attention_heads=8,
        projection_class_embeddings_input_dim=96,
        addition_time_embed_dim=32,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        interpolation_type="linear",
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        sigma_max=700.0,
        sigma_min=0.002,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        trained_betas=None,
        use_karras_sigmas=True,
    )
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        latent_channels=4,
    )
    # SVD resizes the conditioning image to 224x224 before CLIP: 7x7 patches of 32.
    encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=32,
            projection_dim=32,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=224,
            intermediate_size=37,
            patch_size=32,
        )
    )
    pipe = StableVideoDiffusionPipeline(
        vae=vae,
        image_encoder=encoder,
        unet=unet,
        scheduler=scheduler,
        feature_extractor=CLIPImageProcessor(crop_size=224, size=224),
    )
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def build_hunyuan_video(folder: Path) -> Path:
    """HunyuanVideo: a Llama text encoder and a CLIP text encoder, both tiny, with offline tokenizers."""
    import torch
    from diffusers import (
        AutoencoderKLHunyuanVideo,
        FlowMatchEulerDiscreteScheduler,
        HunyuanVideoPipeline,
        HunyuanVideoTransformer3DModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, LlamaConfig, LlamaModel

    torch.manual_seed(0)
    transformer = HunyuanVideoTransformer3DModel(
        in_channels=4,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=10,
        num_layers=1,
        num_single_layers=1,
        num_refiner_layers=1,
        patch_size=1,
        patch_size_t=1,
        guidance_embeds=True,
        text_embed_dim=16,
        pooled_projection_dim=8,
        rope_axes_dim=(2, 4, 4),
    )
    vae = AutoencoderKLHunyuanVideo(
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        down_block_types=("HunyuanVideoDownBlock3D",) * 4,
        up_block_types=("HunyuanVideoUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8),
        layers_per_block=1,
        act_fn="silu",
        norm_num_groups=4,
        scaling_factor=0.476986,
        spatial_compression_ratio=8,
        temporal_compression_ratio=4,
        mid_block_add_attention=True,
    )
    common = dict(bos_token_id=0, eos_token_id=1, pad_token_id=0, vocab_size=64, hidden_act="gelu")
    llama = LlamaModel(
        LlamaConfig(
            hidden_size=16, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2, **common
        )
    )
    clip = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=8,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            projection_dim=32,
            **common,
        )
    )
    pipe = HunyuanVideoPipeline(
        text_encoder=llama,
        tokenizer=_tokenizer(),
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        text_encoder_2=clip,
        tokenizer_2=_tokenizer(),
    )
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "tiny-ltx-video": build_ltx,
    "tiny-wan21-t2v": build_wan_t2v,
    "tiny-wan21-i2v": build_wan_i2v,
    "tiny-wan21-flf2v": build_wan_flf2v,
    "tiny-wan22-ti2v": build_wan22_ti2v,
    "tiny-cogvideox-t2v": build_cogvideox_t2v,
    "tiny-cogvideox-i2v": build_cogvideox_i2v,
    "tiny-svd": build_svd,
    "tiny-hunyuan-video": build_hunyuan_video,
}


def build_all(root: Path, names: tuple[str, ...] | None = None) -> dict[str, Path]:
    """Build (or reuse, when its model_index.json exists) each named tiny model under ``root``."""
    import logging

    from diffusers.utils import logging as dlogging

    dlogging.set_verbosity_error()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    out = {}
    for name in names or tuple(BUILDERS):
        folder = root / name
        if not (folder / "model_index.json").exists():
            BUILDERS[name](folder)
        out[name] = folder
    return out
