"""`avesformer demo [--model ...] [--port ...]`: the Gradio demo, served locally."""

HELP = "launch the Gradio demo locally (upload a video with sound, get the sounding-object masks)"


def register(subparsers):
    parser = subparsers.add_parser("demo", help=HELP, description=HELP)
    parser.add_argument("--model", default=None,
                        help="Hub id or local folder (default: $AVESFORMER_MODEL, else runs/quickstart/model)")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (0.0.0.0 to share on the network)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    parser.set_defaults(func=run)


def run(args) -> int:
    from avesformer_hf.demo_app import build_demo, launch

    launch(build_demo(default_model=args.model), host=args.host, port=args.port, share=args.share)
    return 0
