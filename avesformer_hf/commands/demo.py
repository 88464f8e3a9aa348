"""`avesformer demo [--model ...] [--host ...] [--port ...]`: the Gradio demo, served locally."""

import sys

HELP = "launch the Gradio demo locally (upload a video with sound, get the sounding-object masks)"


def register(subparsers):
    parser = subparsers.add_parser("demo", help=HELP, description=HELP)
    parser.add_argument("--model", default=None,
                        help="Hub id or local folder (default: $AVESFORMER_MODEL, else runs/quickstart/model)")
    parser.add_argument("--host", default=None,
                        help="address to serve on (default: $GRADIO_SERVER_NAME, else 127.0.0.1; 0.0.0.0 shares it)")
    parser.add_argument("--port", type=int, default=None,
                        help="port (default: the first free one from $GRADIO_SERVER_PORT, else from 7860)")
    parser.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    parser.set_defaults(func=run)


def run(args) -> int:
    from avesformer_hf.inference.model_source import resolve_model_source

    try:
        model = None if args.model is None else resolve_model_source(args.model)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    from avesformer_hf.demo.app import build_demo, launch

    try:
        launch(build_demo(default_model=model), host=args.host, port=args.port, share=args.share)
    except OSError as error:  # Gradio: the chosen port is taken
        print(f"error: --port {args.port}: {error}", file=sys.stderr)
        return 1
    return 0
