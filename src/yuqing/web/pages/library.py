"""案例库 (/library): evaluated cases for training and experience exchange, searchable and filterable, exported
as DOCX or XLSX (watermarked; each download audited). Scoped like the case desk (a unit sees its own cases)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from yuqing.clock import now_local
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import library
from yuqing.web.deps import CurrentViewer, DbSession, Viewer, WorkspaceDep, render

router = APIRouter()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _filter(q: str, topic: str, place: str, grade: str, year: str) -> tuple[library.LibraryFilter, str | None]:
    y = year.strip()
    if y and not (y.isdigit() and 2000 <= int(y) <= 2100):
        return library.LibraryFilter(q.strip(), topic.strip(), place.strip(), grade.strip()), "年份应为四位数字，如 2026"
    return library.LibraryFilter(q.strip(), topic.strip(), place.strip(), grade.strip(), int(y) if y else None), None


def _entries(session: DbSession, viewer: Viewer, flt: library.LibraryFilter) -> list[library.Entry]:
    try:
        return library.entries(session, viewer.actor, flt)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None


@router.get("/library")
def library_page(request: Request, viewer: CurrentViewer, session: DbSession, q: str = "", topic: str = "",
                 place: str = "", grade: str = "", year: str = "") -> object:
    flt, error = _filter(q, topic, place, grade, year)
    rows = _entries(session, viewer, flt)
    return render(request, "library/index.html", 400 if error else 200, rows=rows, flt=flt, year=year, error=error,
                  choices=library.choices(session, viewer.actor),
                  query="&".join(f"{k}={quote(str(v))}" for k, v in flt.as_dict().items()))


@router.get("/library/export.{fmt}")
def library_export(fmt: str, viewer: CurrentViewer, session: DbSession, ws: WorkspaceDep, q: str = "",
                   topic: str = "", place: str = "", grade: str = "", year: str = "") -> Response:
    """The filtered library as DOCX (a training compilation) or XLSX (one row a case); watermarked, audited."""
    if fmt not in ("docx", "xlsx"):
        raise HTTPException(404, "不支持的导出格式")
    flt, error = _filter(q, topic, place, grade, year)
    if error:
        raise HTTPException(400, error)
    rows = _entries(session, viewer, flt)
    who = f"{viewer.user.display_name}（{viewer.user.username}）"
    body = library.to_docx(rows, who, flt) if fmt == "docx" else library.to_xlsx(rows, who)
    library.record_export(ws, viewer.actor, fmt=fmt, rows=len(rows), filters=flt.as_dict())
    name = f"案例库_{now_local().strftime('%Y%m%d_%H%M')}.{fmt}"
    return Response(body, media_type=DOCX if fmt == "docx" else XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
