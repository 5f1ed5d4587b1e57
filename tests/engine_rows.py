"""The rows the engine tests run through `kotext run`, Ray and Spark alike: Korean reviews
with empty cells, emoji, a 100,000-character text and a NUL byte, written as parquet."""

from __future__ import annotations

import random
from pathlib import Path

N_ROWS = 2000
LONG_ROW, NUL_ROW = 1234, 777

_PARTS = ["배우 연기는 좋았는데 스토리가 너무 지루했다", "정말 재밌는 영화였어요", "최악의 영화, 돈 아까움",
          "그래도 볼만함ㅋㅋㅋㅋ", "OST가 좋아서 다시 봤습니다!", "감독님 다음 작품도 기대할게요 😍",
          "이게 왜 평점이 높지?", "ㅠㅠ 마지막 장면에서 울었다", "넷플릭스에서 봤는데 시간 가는 줄 몰랐음 👍",
          "연출이 산만하고 대사가 어색함", "<b>강추</b> https://movie.example.com/123"]


def engine_rows(n: int = N_ROWS, seed: int = 17) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        if i % 97 == 5:
            text = None                     # an empty cell
        elif i % 89 == 3:
            text = ""                       # an empty string
        elif i % 13 == 0:
            text = "   "                    # blanks only
        else:
            text = " ".join(rnd.choice(_PARTS) for _ in range(rnd.randint(1, 4)))
        rows.append({"id": i, "document": text, "label": rnd.choice(["0", "1"])})
    if n > LONG_ROW:
        long = (" ".join(_PARTS) + "\n") * 10_000
        rows[LONG_ROW]["document"] = long[:100_000]
    if n > NUL_ROW:
        rows[NUL_ROW]["document"] = "좋은\x00영화"
    return rows


def write_rows(path: Path, rows: list[dict], row_group_size: int = 250) -> Path:
    """Parquet in several row groups, so that every engine reads it in several blocks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    return path


def read_parts(folder: Path) -> list[dict]:
    """The parquet parts of a folder, in name order, as rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = sorted(Path(folder).glob("*.parquet"))
    assert parts, f"no parquet parts in {folder}"
    return pa.concat_tables([pq.read_table(p) for p in parts]).to_pylist()

