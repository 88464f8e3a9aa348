import torch

from avesformer_hf import VGGishConfig, VGGishModel

from helpers import tiny_vggish_config


def test_default_vggish_has_exactly_the_original_parameter_count():
    with torch.device("meta"):
        model = VGGishModel(VGGishConfig())
    assert sum(p.numel() for p in model.parameters()) == 72_141_184


def test_default_vggish_keys_follow_the_original_layer_indices():
    with torch.device("meta"):
        keys = set(VGGishModel(VGGishConfig()).state_dict())
    expected = {f"features.{i}.{p}" for i in (0, 3, 6, 8, 11, 13) for p in ("weight", "bias")}
    expected |= {f"embeddings.{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")}
    assert keys == expected


def test_embeddings_shape_and_channels_last_flattening():
    config = tiny_vggish_config()
    model = VGGishModel(config).eval()
    features = torch.randn(3, 1, 96, 64)
    output = model(features)
    assert output.embeddings.shape == (3, 128)
    assert (output.embeddings >= 0).all()  # the original network ends with a ReLU
    # The first fully connected layer sees (h, w, C) order: recompute it by hand.
    hidden = output.last_hidden_state
    manual = model.embeddings(hidden.permute(0, 2, 3, 1).reshape(3, -1))
    torch.testing.assert_close(manual, output.embeddings)


def test_wrong_input_shape_is_named():
    model = VGGishModel(tiny_vggish_config())
    try:
        model(torch.randn(2, 96, 64))
    except ValueError as error:
        assert "input_features" in str(error) and "[N, 1, 96, 64]" in str(error)
    else:
        raise AssertionError("a rank-3 input must be rejected")
