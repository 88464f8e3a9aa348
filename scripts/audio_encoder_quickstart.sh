#!/usr/bin/env bash
# Two `make quickstart`-sized SynthAVS runs that differ only in the audio encoder: the quickstart's tiny VGGish and
# the light encoder (LightAudioConfig()), both trained from scratch; each evaluated on the test split with its own and
# with swapped audio (the drop in M_J shows whether the model listens). QUICKSTART_CLIPS / QUICKSTART_EPOCHS as in
# scripts/quickstart.sh (defaults 1200 / 15; docs/benchmarks.md "Audio encoders" records the run made).
set -euo pipefail

ROOT=${AUDIO_QUICKSTART_DIR:-runs/audio-encoder-quickstart}
CLIPS=${QUICKSTART_CLIPS:-1200}
EPOCHS=${QUICKSTART_EPOCHS:-15}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export HF_HUB_OFFLINE=1

KINDS=${AUDIO_QUICKSTART_KINDS:-vggish light}
for KIND in $KINDS; do
  OUT=$ROOT/$KIND
  mkdir -p "$OUT"
  echo "== $KIND: config, training, evaluation -> $OUT ($(date -u +%T))"
  python - "$OUT/config" "$KIND" <<'PY'
import sys
from transformers import PvtV2Config
from avesformer_hf import AVESFormerConfig, LightAudioConfig, VGGishConfig

audio = VGGishConfig(conv_stages=[[8], [16], [32], [32]], hidden_sizes=[128]) if sys.argv[2] == "vggish" else LightAudioConfig()
AVESFormerConfig(
    backbone_config=PvtV2Config(
        depths=[1, 1, 1, 1], hidden_sizes=[16, 32, 64, 128], num_attention_heads=[1, 1, 2, 4],
        mlp_ratios=[4, 4, 4, 4], sr_ratios=[4, 2, 1, 1], out_features=["stage1", "stage2", "stage3", "stage4"],
    ),
    audio_config=audio,
    d_model=64, num_prompt_queries=8, num_attention_heads=4, decoder_ffn_dim=128, num_norm_groups=8,
    decoder_stage_types=["conv", "attn", "attn"], freeze_audio_backbone=False,
).save_pretrained(sys.argv[1])
PY
  accelerate launch --num_processes 1 --num_machines 1 --mixed_precision no --dynamo_backend no scripts/train.py \
    --model-config "$OUT/config" --synthetic "$CLIPS" --synthetic-image-size 64 --subset s4 \
    --output-dir "$OUT" --overwrite-output-dir --num-epochs "$EPOCHS" --batch-size 8 --learning-rate 5e-4 \
    --freeze-backbone-epochs 0 --num-workers 1 --logging-steps 20 --checkpointing-steps 500 --report-to jsonl
  avesformer evaluate --model "$OUT/model" --data-root "$OUT/synthavs" --subset s4 --split test --batch-size 8 \
    --output "$OUT/eval_test.json"
  avesformer evaluate --model "$OUT/model" --data-root "$OUT/synthavs" --subset s4 --split test --batch-size 8 \
    --swap-audio --output "$OUT/eval_test_swapped_audio.json"
done

python - "$ROOT" $KINDS <<'PY'
import json
import sys
from pathlib import Path

for kind in sys.argv[2:]:
    out = Path(sys.argv[1]) / kind
    heard = json.loads((out / "eval_test.json").read_text())["metrics"]
    swapped = json.loads((out / "eval_test_swapped_audio.json").read_text())["metrics"]
    print(f"{kind:7s} test M_J {heard['M_J']:.4f}, swapped audio {swapped['M_J']:.4f}, drop {heard['M_J'] - swapped['M_J']:.4f}")
PY
