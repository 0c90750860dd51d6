"""The window of the ``screen:`` link: a QR code full-screen on an X display (tkinter).

Run by :mod:`apcv.links.screen` as ``python -m apcv.links.screen_window``, it reads one
order per line on stdin: ``text PAYLOAD`` shows PAYLOAD as a QR code drawn as the phone draws it
(:func:`apcv.imaging.qr_render.render_qr`), as large as the display allows, black on white;
``picture PATH`` shows the grayscale image in PATH (a picture of a code) scaled to the same
size; ``clear`` blanks the screen. It answers on stdout: ``ready WIDTHxHEIGHT`` once the window
is up, then ``shown N`` after the N-th order is on screen. End of stdin closes it. Errors (no X
display, no tkinter, a picture that cannot be read) go to stderr as one line, exit status 3.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading

import numpy as np
from PIL import Image

from apcv.imaging.qr_render import render_qr

FILL = 0.9
"""Share of the display's shorter side the code (quiet zone included) may take."""
POLL_MS = 10


def fitted_picture(path: str, side: int) -> np.ndarray:
    """The grayscale picture in ``path`` scaled to fit ``side``×``side`` pixels."""
    with Image.open(path) as image:
        gray = image.convert("L")
    scale = side / max(gray.size)
    size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
    return np.asarray(gray.resize(size, Image.Resampling.BILINEAR))


def _read_lines(lines: queue.Queue[str | None]) -> None:
    for line in sys.stdin:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Open the window on ``--display`` and carry out each order read from stdin."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--display", required=True, help="X display, e.g. :0")
    parser.add_argument("--windowed", default="", help="WIDTHxHEIGHT window instead of full screen")
    args = parser.parse_args(argv)
    try:
        import tkinter

        from PIL import ImageTk
    except ImportError as exc:
        print(f"the screen: link needs tkinter (apt-get install python3-tk): {exc}", file=sys.stderr)
        return 3
    try:
        root = tkinter.Tk(screenName=args.display, className="apcv-hil-qr")
    except tkinter.TclError as exc:
        print(f"cannot open X display {args.display!r}: {exc}", file=sys.stderr)
        return 3
    root.title("apcv-hil: phone QR code")
    root.configure(background="white", cursor="none")
    if args.windowed:
        root.geometry(args.windowed)
    else:  # the geometry too, for displays with no window manager (Xvfb, a kiosk)
        root.geometry(f"{root.winfo_screenwidth()}x{root.winfo_screenheight()}+0+0")
        root.attributes("-fullscreen", True)
    label = tkinter.Label(root, background="white", borderwidth=0, highlightthickness=0)
    label.pack(expand=True, fill="both")
    root.update()
    width, height = root.winfo_width(), root.winfo_height()
    _say(f"ready {width}x{height}")
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(lines,), daemon=True).start()
    shown = 0
    failed = False
    photo: list[ImageTk.PhotoImage] = []  # keep a reference, or tkinter drops the image

    def poll() -> None:
        nonlocal shown, failed
        try:
            text = lines.get_nowait()
        except queue.Empty:
            root.after(POLL_MS, poll)
            return
        if text is None:
            root.destroy()
            return
        order, _, argument = text.partition(" ")
        side = int(min(root.winfo_width(), root.winfo_height()) * FILL)
        try:
            pixels = (render_qr(argument, fit=side) if order == "text"
                      else fitted_picture(argument, side) if order == "picture" else None)
        except OSError as exc:
            print(f"cannot show picture {argument!r}: {exc}", file=sys.stderr)
            failed = True
            root.destroy()
            return
        if pixels is not None:
            photo[:] = [ImageTk.PhotoImage(Image.fromarray(pixels), master=root)]
            label.configure(image=photo[0])
        else:
            photo.clear()
            label.configure(image="")
        root.update_idletasks()
        root.update()
        shown += 1
        _say(f"shown {shown}")
        root.after(POLL_MS, poll)

    root.after(POLL_MS, poll)
    root.mainloop()
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
