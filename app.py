"""The Hugging Face Space's entry point: `demo` is the chat page, and `python app.py` serves it.

    python app.py [--host HOST] [--port PORT]     (defaults: 127.0.0.1, the first free port from 7860;
                                                 or $GRADIO_SERVER_NAME, $GRADIO_SERVER_PORT)
"""

from pathlib import Path

from bot.app import create_demo, main
from bot.config import Settings

ROOT = Path(__file__).resolve().parent

demo = create_demo(Settings.from_env(ROOT))

if __name__ == "__main__":
    raise SystemExit(main(demo=demo, root=ROOT))
