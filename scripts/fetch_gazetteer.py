"""Copy jionlp's China location dictionary (Apache-2.0) into src/yuqing/data/.

The wheel ships `jionlp/dictionary/china_location.zip` (provinces → villages). Importing jionlp
pulls jiojio (148 MB, 13 s to load), so Yuqing ships the 3 MB zip itself and reads it directly.

    python scripts/fetch_gazetteer.py      # pip-downloads the jionlp wheel, extracts the two files
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "yuqing" / "data"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-d", tmp, "jionlp==1.5.31"], check=True
        )
        wheel = next(Path(tmp).glob("jionlp-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            (DATA / "china_location.zip").write_bytes(zf.read("jionlp/dictionary/china_location.zip"))
            licence = next(n for n in zf.namelist() if n.endswith("licenses/LICENSE"))
            (DATA / "LICENSE.jionlp").write_bytes(zf.read(licence))
    print("wrote", DATA / "china_location.zip")


if __name__ == "__main__":
    main()
