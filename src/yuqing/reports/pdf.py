"""PDF from the DOCX, by LibreOffice headless (Debian package libreoffice-writer), so the PDF has exactly the
official layout of the DOCX. Chinese needs a CJK font installed (fonts-wqy-microhei); without one LibreOffice
prints empty boxes."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 180  # seconds; a cold LibreOffice start takes a few


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed, or it could not convert the file (the message, in Chinese, says which)."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes) -> bytes:
    """Convert a DOCX to PDF with a private LibreOffice profile (two conversions at once do not collide)."""
    program = soffice()
    if program is None:
        raise PdfUnavailable("生成 PDF 需要安装 LibreOffice（Debian 软件包 libreoffice-writer）")
    with tempfile.TemporaryDirectory(prefix="yuqing-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "report.docx"
        source.write_bytes(docx)
        try:
            done = subprocess.run(
                [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"LibreOffice 转换超过 {TIMEOUT} 秒未完成") from None
        target = folder / "report.pdf"
        if done.returncode != 0 or not target.exists():
            raise PdfUnavailable(f"LibreOffice 转换失败：{(done.stderr or done.stdout).strip()[:300]}")
        return target.read_bytes()
