"""The report e-mail as its readers see it: the demo's last week's digest in each report language,
written as email.html and email.txt, and photographed by headless Chromium at phone width (375 px)
and desktop width (800 px), in light mode and in a client's forced dark mode.

    make email-preview                     # builds ./demo first if it is not there
    .venv/bin/python bench/email_preview.py --out demo/email-preview

Chromium is Debian's `chromium` package; without it the files are written and no picture taken.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from satisfaction_pipeline.config.settings import load_settings
from satisfaction_pipeline.i18n import languages
from satisfaction_pipeline.report.context import warehouse_context
from satisfaction_pipeline.report.email import email_parts

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = {"phone": 375, "desktop": 800}
# Chromium's own dark mode for pages that have none, as Gmail's and Outlook's apps force theirs
DARK = ["--force-dark-mode", "--enable-features=WebContentsForceDark"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=ROOT / "demo" / "warehouse.duckdb")
    parser.add_argument("--config", type=Path, default=ROOT / "satisfaction.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "demo" / "email-preview")
    args = parser.parse_args()
    settings = load_settings(args.config)
    taxonomy = settings.theme_taxonomy(args.config.parent)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    with duckdb.connect(str(args.warehouse), read_only=True) as conn:
        week = conn.execute("SELECT max(week) FROM marts.weekly_scores").fetchall()[0][0]
        for language in languages():
            report = settings.report.model_copy(update={"language": language})
            context = warehouse_context(
                conn, week, settings.model_copy(update={"report": report}), taxonomy
            )
            parts = email_parts(context, ["report.pdf", "action_list.csv"])
            folder = args.out / language
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "email.html").write_text(parts.html, encoding="utf-8")
            (folder / "email.txt").write_text(f"Subject: {parts.subject}\n\n{parts.text}")
            print(f"{language}: {parts.subject}")
            if browser:
                for name, width in WIDTHS.items():
                    for mode, flags in (("light", []), ("dark", DARK)):
                        shot = folder / f"{name}-{mode}.png"
                        _screenshot(browser, folder / "email.html", shot, width, flags)
                        print(f"  {shot}")
    if not browser:
        print("chromium not found (apt install chromium): files written, no screenshot taken")


def _screenshot(browser: str, page: Path, shot: Path, width: int, flags: list[str]) -> None:
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={width},1600", f"--screenshot={shot}", *flags, page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


if __name__ == "__main__":
    main()
