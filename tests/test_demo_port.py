"""`avesformer demo` serves on $GRADIO_SERVER_NAME / $GRADIO_SERVER_PORT and moves on when that port is taken."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_demo_takes_the_next_free_port_when_gradio_server_port_is_busy(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        env = {**os.environ, "GRADIO_SERVER_PORT": str(taken), "GRADIO_SERVER_NAME": "127.0.0.1",
               "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False", "TMPDIR": str(tmp_path)}
        process = subprocess.Popen(
            [sys.executable, "-m", "avesformer_hf.cli", "demo"], cwd=REPO, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            lines, deadline = [], time.monotonic() + 240
            while time.monotonic() < deadline:
                line = process.stdout.readline()
                if not line:
                    break
                lines.append(line)
                if "Running on local URL" in line:
                    break
        finally:
            process.terminate()
            process.wait(timeout=30)
    served = re.search(r"Running on local URL:\s+http://127\.0\.0\.1:(\d+)", "".join(lines))
    assert served, "".join(lines)
    assert taken < int(served.group(1)) <= taken + 100  # searched upwards from $GRADIO_SERVER_PORT
