"""Fine-tune AVESFormer: `accelerate launch scripts/train.py --model-config DIR --data-root PATH --subset s4 --output-dir runs/x`.

All logic lives in `avesformer_hf.training`; `--help` lists every option.
"""

import sys

from avesformer_hf.training import main

if __name__ == "__main__":
    sys.exit(main())
