"""The CLI contract of own channels: `channels add` prints the id, `publications sign` the publication id (a
draft someone else wrote, or the leader's own text signed directly, recorded as such), `publications draft` the
publication id, `publications published` records the URL and runs the live check, `channels list --json` one
object per line with the agreed keys. On a new workspace (no administrator yet) the installer acts."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests import factories
from tests.publish.pages import article
from yuqing.cli import app

runner = CliRunner()
KEYS = {"id", "name", "kind", "unit", "admission", "last_update", "zombie", "unsigned", "mismatches",
        "broken_links", "wrong_words", "open_orders"}


def _cli(ws, *args):
    r = runner.invoke(app, ["-w", str(ws.path), *args])
    assert r.exit_code == 0, r.output
    return r.stdout


def _people(ws):
    """The portal's unit with its handler (drafts, uploads) and its leader (signs)."""
    with ws.db.write() as s:
        gov = factories.unit(s, "区政府办公室", kind="office")
        factories.user(s, "gov_h", "unit_handler", gov, display_name="政府办信息员刘")
        factories.user(s, "gov_l", "unit_leader", gov, display_name="政府办主任陈")
        factories.user(s, "office", "office", display_name="办公室王")


def _admit(ws, cid, tmp_path):
    """准入: the unit applies with its two documents, the office approves."""
    plan, rules = tmp_path / "建设方案.txt", tmp_path / "安全管理制度.txt"
    plan.write_text("栏目与更新机制", encoding="utf-8")
    rules.write_text("三审三校", encoding="utf-8")
    _cli(ws, "channels", "apply", cid, "--plan-file", str(plan), "--rules-file", str(rules), "--as", "gov_h")
    assert _cli(ws, "channels", "review", cid, "--approve", "--as", "office").strip() == "已准入"


def _draft_and_sign(ws, cid, title, text):
    """Drafted by the handler, signed by the leader: both print the same publication id."""
    pid = _cli(ws, "publications", "draft", "--channel", cid, "--title", title, "--text-file", str(text),
               "--as", "gov_h").strip()
    assert _cli(ws, "publications", "sign", "--channel", cid, "--title", title, "--text-file", str(text),
                "--as", "gov_l").strip() == pid
    return pid


def test_sign_refuses_a_text_the_signer_drafted_in_chinese(ws, tmp_path):
    _people(ws)
    cid = _cli(ws, "channels", "add", "--kind", "website", "--name", "区政府门户网站", "--unit", "区政府办公室",
               "--url", "https://www.example.gov.cn/").strip()
    text = tmp_path / "t.txt"
    text.write_text("区政府召开常务会议。", encoding="utf-8")
    r = runner.invoke(app, ["-w", str(ws.path), "publications", "draft", "--channel", cid, "--title", "常务会议",
                            "--text-file", str(text), "--as", "gov_h"])
    assert r.exit_code == 2 and "“区政府门户网站”尚未申请准入" in r.output and not r.stdout.strip()
    _admit(ws, cid, tmp_path)
    sign = ["-w", str(ws.path), "publications", "sign", "--channel", cid, "--title", "常务会议", "--text-file",
            str(text), "--as", "gov_l"]
    _cli(ws, "publications", "draft", "--channel", cid, "--title", "常务会议", "--text-file", str(text), "--as", "gov_l")
    r = runner.invoke(app, sign)  # a draft of the leader's own awaits a second person: not signed by its drafter
    assert r.exit_code == 1 and "起草人不能签发自己起草的稿件" in r.output and not r.stdout.strip()


def test_channels_and_publications_contract(ws, server, tmp_path):
    _people(ws)
    cid = _cli(ws, "channels", "add", "--kind", "website", "--name", "区政府门户网站", "--unit", "区政府办公室",
               "--url", server.url("/cli/"), "--feed", server.url("/cli/list.html"), "--cadence", "daily")
    assert cid.strip().isdigit() and cid.count("\n") == 1
    wx = _cli(ws, "channels", "add", "--kind", "wechat", "--name", "区融媒体中心", "--unit", "区政府办公室",
              "--url", "https://mp.weixin.qq.com/x")
    text = tmp_path / "signed.txt"
    text.write_text("区政府召开常务会议，研究部署冬季供暖工作。\n确保12月1日前全部供热到位。", encoding="utf-8")
    _admit(ws, cid.strip(), tmp_path)
    pid = _draft_and_sign(ws, cid.strip(), "常务会议", text)
    assert pid.isdigit()
    url = server.add("/cli/a.html", article("常务会议", "区政府召开常务会议，研究部署冬季供暖工作。\n确保12月15日前供热到位。"))
    out = _cli(ws, "publications", "published", pid, "--url", url, "--as", "gov_h")
    assert out.startswith("mismatch")
    rows = [json.loads(line) for line in _cli(ws, "channels", "list", "--json").splitlines()]
    assert [set(r) for r in rows] == [KEYS, KEYS]
    portal = rows[0]
    assert (portal["id"], portal["kind"], portal["unit"], portal["admission"], portal["mismatches"]) == (
        int(cid), "website", "区政府办公室", "approved", 1)
    assert rows[1]["id"] == int(wx) and rows[1]["mismatches"] == 0


def test_bad_input_is_refused_in_chinese(ws):
    r = runner.invoke(app, ["-w", str(ws.path), "channels", "add", "--kind", "blog", "--name", "x", "--unit", "u",
                            "--url", "https://x"])
    assert r.exit_code == 2 and "类型须为" in r.output
    r = runner.invoke(app, ["-w", str(ws.path), "channels", "add", "--kind", "weibo", "--name", "x", "--unit", "u",
                            "--url", "ftp://x"])
    assert r.exit_code == 2 and "http" in r.output


def test_the_whole_contract_with_channels_check(ws, server, tmp_path, monkeypatch):
    """As a check outside the suite would run it: a feed with a signed and an unsigned article (dated today),
    the signed one edited after sign-off; `channels check --once` finds the unsigned one, the list shows both."""
    from datetime import datetime, timedelta, timezone

    monkeypatch.setenv("YUQING_CHANNEL_LINK_DELAY", "0")
    _people(ws)
    when = (datetime.now(timezone(timedelta(hours=8))) - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0800")
    signed_url = server.url("/full/signed.html")
    server.add("/full/unsigned.html", article("局长调研", "局长到凤凰街道调研，强调要做好宣传。"))
    server.add("/full/signed.html", article("常务会议", "区政府召开常务会议。\n确保12月15日前供热到位。"))
    items = "".join(f"<item><title>{t}</title><link>{u}</link><pubDate>{when}</pubDate></item>"
                    for t, u in (("常务会议", signed_url), ("局长调研", server.url("/full/unsigned.html"))))
    server.add("/full/feed.xml", f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                                 f"{items}</channel></rss>", headers={"content-type": "application/rss+xml"})
    cid = _cli(ws, "channels", "add", "--kind", "website", "--name", "区政府门户网站", "--unit", "区政府办公室",
               "--url", server.url("/full/"), "--feed", server.url("/full/feed.xml"), "--cadence", "daily").strip()
    text = tmp_path / "t.txt"
    text.write_text("区政府召开常务会议。\n确保12月1日前全部供热到位。", encoding="utf-8")
    r = runner.invoke(app, ["-w", str(ws.path), "publications", "sign", "--channel", cid, "--title", "常务会议",
                            "--text-file", str(text)])  # no draft: the leader's own text, signed directly
    assert r.exit_code == 0, r.output
    pid = r.stdout.strip()
    assert pid.isdigit() and "已直接签发" in r.stderr and "尚未准入" in r.stderr
    assert _cli(ws, "publications", "published", pid, "--url", signed_url).startswith("mismatch")
    r = runner.invoke(app, ["-w", str(ws.path), "channels", "check", "--once"])
    assert r.exit_code == 0, r.output
    [row] = [json.loads(line) for line in _cli(ws, "channels", "list", "--json").splitlines()]
    assert (row["unsigned"], row["mismatches"], row["zombie"]) == (1, 1, False) and row["last_update"]


def test_sign_without_a_draft_is_a_direct_sign_off_on_record(ws, tmp_path):
    """The contract's own sequence on a new workspace (add, sign, nothing else): the text is signed directly by
    the one acting, who drafted it and uploads it, and the publication and the audit log say so."""
    from sqlalchemy import select

    from yuqing.publish.signoff import DIRECT_SIGN
    from yuqing.store.tables import AuditEntry
    from yuqing.store.tables_publish import Publication

    cid = _cli(ws, "channels", "add", "--kind", "weibo", "--name", "区政府发布", "--unit", "区政府办公室",
               "--url", "https://weibo.example.cn/gov").strip()
    text = tmp_path / "t.txt"
    text.write_text("区政府关于冬季供暖的通告。", encoding="utf-8")
    pid = _cli(ws, "publications", "sign", "--channel", cid, "--title", "供暖通告", "--text-file", str(text)).strip()
    with ws.db.read() as s:
        pub = s.get(Publication, int(pid))
        assert pub is not None and pub.state == "approved" and pub.review_note == DIRECT_SIGN
        assert pub.drafted_by_name == pub.signed_by_name == pub.uploader_name
        [entry] = s.execute(select(AuditEntry).where(AuditEntry.action == "publication.sign_direct")).scalars()
    assert entry.object_id == pid and entry.detail["admission"] != "approved"
