"""PVT-v2 converter: a re-implementation of the official module layout (whai362/PVT `pvt_v2.py`) with its key
names at tiny widths, random weights, converted and compared feature map by feature map."""

from functools import partial

import pytest
import torch
from torch import nn
from transformers import PvtV2Backbone, PvtV2Config

from avesformer_hf.cli import main as cli_main
from avesformer_hf.configuration_avesformer import BACKBONE_STAGES
from avesformer_hf.convert import (
    CheckpointMismatchError,
    convert_pvt_v2_checkpoint,
    convert_pvt_v2_state_dict,
    infer_pvt_v2_variant,
    pvt_v2_config,
)
from helpers import randomised

TINY = dict(hidden_sizes=[8, 16, 16, 32], num_attention_heads=[1, 1, 2, 2], mlp_ratios=[2, 2, 2, 2],
            depths=[1, 2, 1, 1], sr_ratios=[4, 2, 1, 1])


class OfficialMlp(nn.Module):
    def __init__(self, dim, hidden, linear):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.dwconv = nn.Module()
        self.dwconv.dwconv = nn.Conv2d(hidden, hidden, 3, 1, 1, bias=True, groups=hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.linear = linear

    def forward(self, x, height, width):
        x = self.fc1(x)
        if self.linear:
            x = torch.relu(x)
        batch, tokens, channels = x.shape
        x = self.dwconv.dwconv(x.transpose(1, 2).view(batch, channels, height, width)).flatten(2).transpose(1, 2)
        return self.fc2(nn.functional.gelu(x))


class OfficialAttention(nn.Module):
    def __init__(self, dim, heads, sr_ratio, linear):
        super().__init__()
        self.heads, self.sr_ratio, self.linear = heads, sr_ratio, linear
        self.q = nn.Linear(dim, dim, bias=True)
        self.kv = nn.Linear(dim, dim * 2, bias=True)
        self.proj = nn.Linear(dim, dim)
        if linear:
            self.pool = nn.AdaptiveAvgPool2d(7)
            self.sr = nn.Conv2d(dim, dim, kernel_size=1, stride=1)
            self.norm = nn.LayerNorm(dim)
        elif sr_ratio > 1:
            self.sr = nn.Conv2d(dim, dim, kernel_size=sr_ratio, stride=sr_ratio)
            self.norm = nn.LayerNorm(dim)

    def forward(self, x, height, width):
        batch, tokens, channels = x.shape
        q = self.q(x).reshape(batch, tokens, self.heads, channels // self.heads).permute(0, 2, 1, 3)
        if self.linear or self.sr_ratio > 1:
            reduced = x.permute(0, 2, 1).reshape(batch, channels, height, width)
            reduced = self.sr(self.pool(reduced) if self.linear else reduced).reshape(batch, channels, -1).permute(0, 2, 1)
            reduced = self.norm(reduced)
            x = nn.functional.gelu(reduced) if self.linear else reduced
        kv = self.kv(x).reshape(batch, -1, 2, self.heads, channels // self.heads).permute(2, 0, 3, 1, 4)
        k, v = kv[0], kv[1]
        attn = ((q @ k.transpose(-2, -1)) * (channels // self.heads) ** -0.5).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(batch, tokens, channels))


class OfficialBlock(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, sr_ratio, linear, norm_layer):
        super().__init__()
        self.norm1 = norm_layer(dim)
        self.attn = OfficialAttention(dim, heads, sr_ratio, linear)
        self.norm2 = norm_layer(dim)
        self.mlp = OfficialMlp(dim, int(dim * mlp_ratio), linear)

    def forward(self, x, height, width):
        x = x + self.attn(self.norm1(x), height, width)
        return x + self.mlp(self.norm2(x), height, width)


class OfficialPatchEmbed(nn.Module):
    def __init__(self, patch_size, stride, in_chans, embed_dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, patch_size, stride, padding=patch_size // 2)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, x):
        x = self.proj(x)
        _, _, height, width = x.shape
        return self.norm(x.flatten(2).transpose(1, 2)), height, width


class OfficialPVTv2(nn.Module):
    """`PyramidVisionTransformerV2` with the segmentation-style forward that returns the four stage maps."""

    def __init__(self, hidden_sizes, num_attention_heads, mlp_ratios, depths, sr_ratios, linear=False, classes=10):
        super().__init__()
        norm_layer = partial(nn.LayerNorm, eps=1e-6)
        for i in range(4):
            in_chans = 3 if i == 0 else hidden_sizes[i - 1]
            setattr(self, f"patch_embed{i + 1}", OfficialPatchEmbed(7 if i == 0 else 3, 4 if i == 0 else 2, in_chans, hidden_sizes[i]))
            setattr(self, f"block{i + 1}", nn.ModuleList(
                OfficialBlock(hidden_sizes[i], num_attention_heads[i], mlp_ratios[i], sr_ratios[i], linear, norm_layer)
                for _ in range(depths[i])
            ))
            setattr(self, f"norm{i + 1}", norm_layer(hidden_sizes[i]))
        self.head = nn.Linear(hidden_sizes[3], classes)

    def forward(self, x):
        outs = []
        for i in range(1, 5):
            x, height, width = getattr(self, f"patch_embed{i}")(x)
            for block in getattr(self, f"block{i}"):
                x = block(x, height, width)
            x = getattr(self, f"norm{i}")(x)
            x = x.reshape(x.shape[0], height, width, -1).permute(0, 3, 1, 2).contiguous()
            outs.append(x)
        return outs


def tiny_config(linear=False) -> PvtV2Config:
    return PvtV2Config(**TINY, linear_attention=linear, out_features=list(BACKBONE_STAGES))


@pytest.mark.parametrize("linear", [False, True], ids=["spatial-reduction", "linear-attention"])
def test_converted_backbone_reproduces_the_original_feature_maps(tmp_path, linear):
    original = randomised(OfficialPVTv2(**TINY, linear=linear))
    path = tmp_path / "pvt_v2_tiny.pth"
    torch.save(original.state_dict(), path)
    convert_pvt_v2_checkpoint(path, tmp_path / "backbone", config=tiny_config(linear))

    converted = PvtV2Backbone.from_pretrained(tmp_path / "backbone").eval()
    pixels = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = original(pixels)
        feature_maps = converted(pixels).feature_maps
    assert len(feature_maps) == 4
    for level, (ours, theirs) in enumerate(zip(feature_maps, expected)):
        assert ours.shape == theirs.shape, f"stage {level + 1}"
        # The original's patch-embedding / reduction LayerNorms use eps 1e-5, transformers' 1e-6.
        torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=1e-4, msg=f"stage {level + 1}")


def test_variant_is_inferred_from_an_original_state_dict():
    b0 = OfficialPVTv2(hidden_sizes=[32, 64, 160, 256], num_attention_heads=[1, 2, 5, 8], mlp_ratios=[8, 8, 4, 4],
                       depths=[2, 2, 2, 2], sr_ratios=[8, 4, 2, 1], classes=1000)
    state_dict = b0.state_dict()
    assert infer_pvt_v2_variant(state_dict) == "b0"
    converted = convert_pvt_v2_state_dict(state_dict)  # config from the variant table
    assert converted.config.hidden_sizes == [32, 64, 160, 256]
    assert converted.config.out_features == BACKBONE_STAGES
    assert pvt_v2_config("b5").depths == [3, 6, 40, 3]
    with pytest.raises(ValueError, match="matches no original PVT-v2 variant"):
        infer_pvt_v2_variant(OfficialPVTv2(**TINY).state_dict(), "tiny.pth")


def test_mismatches_are_listed_with_their_keys():
    state_dict = dict(OfficialPVTv2(**TINY).state_dict())
    del state_dict["block3.0.attn.kv.weight"]
    state_dict["block1.0.attn.extra.weight"] = torch.zeros(3)
    state_dict["norm4.weight"] = torch.zeros(31)
    with pytest.raises(CheckpointMismatchError) as caught:
        convert_pvt_v2_state_dict(state_dict, tiny_config(), source_name="pvt.pth")
    message = str(caught.value)
    assert "pvt.pth" in message
    assert "block1.0.attn.extra.weight" in message
    assert "encoder.layers.2.blocks.0.attention.key.weight" in message
    assert "encoder.layers.2.blocks.0.attention.value.weight" in message
    assert "norm4.weight -> encoder.layers.3.layer_norm.weight: checkpoint [31], model [32]" in message


def test_deeper_checkpoint_than_the_config_is_refused():
    state_dict = OfficialPVTv2(**TINY).state_dict()
    shallow = PvtV2Config(**{**TINY, "depths": [1, 1, 1, 1]}, out_features=list(BACKBONE_STAGES))
    with pytest.raises(CheckpointMismatchError, match="block2.1.norm1.weight -> encoder.layers.1.blocks.1"):
        convert_pvt_v2_state_dict(state_dict, shallow)


def test_cli_converts_with_a_config_folder(tmp_path, capsys):
    original = randomised(OfficialPVTv2(**TINY))
    path = tmp_path / "pvt.pth"
    torch.save(original.state_dict(), path)
    tiny_config().save_pretrained(tmp_path / "config")

    assert cli_main(["convert", "pvt_v2", str(path), str(tmp_path / "out"), "--config", str(tmp_path / "config")]) == 0
    assert "PvtV2Backbone" in capsys.readouterr().out
    loaded = PvtV2Backbone.from_pretrained(tmp_path / "out")
    assert torch.equal(loaded.encoder.layers[0].blocks[0].attention.query.weight, original.block1[0].attn.q.weight)

    assert cli_main(["convert", "pvt_v2", str(path), str(tmp_path / "out2")]) == 1  # tiny widths: no variant fits
    assert "matches no original PVT-v2 variant" in capsys.readouterr().err
