"""Sign-off before publishing (签发, R-PUBLISH-2): draft → the unit leader approves (an explicit yes or no,
never a default) → the named uploader publishes and records where it went live → the live page is fetched
and its main text compared with the signed text (一致性).

The signed text is frozen at approval with the SHA-256 of its normalised form. The leader answers for what
was signed, the uploader for the match between signed and live (关于进一步加强全区网络宣传工作的意见 §二.3:
"所有上网信息必须经过所在单位主要领导同意后方能由专人负责上网，单位主要领导对签发内容负责，上传人员对上网内容与
签发内容的一致性负责"): both are named on the publication, in the
audit entries and in the alert. A mismatch, or an article live on the channel's feed or list page that was
never signed, is a finding (channel_findings, once per publication / article) and tells the owner unit,
the propaganda department and the office in their inbox, linking to the side-by-side diff, and goes to the
alert channels the office chose for it (publish/deliver.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import aware, utcnow
from yuqing.collect.base import canonical_url
from yuqing.collect.http import HttpClient
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.publish import deliver, live
from yuqing.publish.admission import propaganda_unit_id
from yuqing.publish.normalise import content_sha256, normalise
from yuqing.publish.registry import PublishError, check_url, load_channel, require_own
from yuqing.publish.states import ADMISSION_LABELS, PUBLICATION, PUBLICATION_LABELS, step
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Unit, User
from yuqing.store.tables_publish import Channel, ChannelFinding, ChannelPost, Publication
from yuqing.workspace import Workspace

MAX_TEXT = 200_000


def load_publication(s: Session, actor: Actor, pub_id: int) -> tuple[Publication, Channel]:
    pub = s.get(Publication, pub_id)
    if pub is None:
        raise NotFound(f"稿件 {pub_id} 不存在")
    try:
        ch = load_channel(s, actor, pub.channel_id)
    except NotFound:
        raise NotFound(f"稿件 {pub_id} 不存在") from None
    return pub, ch


def _uploader(s: Session, who: str | int | None, actor: Actor, ch: Channel) -> tuple[int | None, str]:
    """The named uploader: a user by id, username or display name; default the person drafting. A unit's
    person uploads only to their own unit's channels (publishing checks the same), so no draft waits forever."""
    if who is None or str(who).strip() == "":
        return actor.user_id, actor.name
    text = str(who).strip()
    user = s.get(User, int(text)) if text.isdigit() else None
    user = user or s.execute(select(User).where((User.username == text) | (User.display_name == text))
                             ).scalars().first()
    if user is None or not user.active:
        raise PublishError(f"上传人“{text}”不是本系统的有效账号")
    if not Actor(user.id, user.display_name, user.role_code, user.unit_id).can("publications.draft"):
        raise PublishError(f"“{user.display_name}”的角色不能上传发布稿件，请指定本单位的经办人或领导")
    person = Actor(user.id, user.display_name, user.role_code, user.unit_id)
    if person.unit_bound and user.unit_id != ch.owner_unit_id:
        owner = s.get(Unit, ch.owner_unit_id) if ch.owner_unit_id else None
        raise PublishError(f"“{user.display_name}”不是{owner.name if owner else '该渠道主办单位'}的人员，不能上传发布"
                           f"“{ch.name}”的稿件，请指定本单位的经办人或领导")
    return user.id, user.display_name


# Why a channel that is not admitted publishes nothing, by its admission state.
NOT_ADMITTED = {"none": "尚未申请准入", "applied": "准入申请尚待审核", "rejected": "准入申请未通过"}


def require_admitted(ch: Channel, doing: str) -> None:
    """Only an admitted channel (已准入) takes new texts: a unit builds and uses a website or account only after
    网宣办 approved its application (意见 §二.2, 先审批后开设); a closed one publishes nothing more."""
    if ch.closed or ch.admission == "closed":
        raise PublishError(f"“{ch.name}”已关停，不能再{doing}")
    if ch.admission != "approved":
        label = ADMISSION_LABELS.get(ch.admission, ch.admission)
        raise PublishError(f"“{ch.name}”{NOT_ADMITTED.get(ch.admission, '未经准入')}（准入状态：{label}），"
                           f"未经准入的网站或账号不能{doing}；请先提交准入申请，审核通过后再{doing}")


def drafted_by(pub: Publication, actor: Actor) -> bool:
    """Whether `actor` wrote the text now up for sign-off (the drafter, or who last revised a returned draft)."""
    if pub.drafted_by_id is not None:
        return pub.drafted_by_id == actor.user_id
    return pub.drafted_by_name == actor.name


# 起草 → 单位领导签发 → 专人上传 (意见 §二.3): the leader's sign-off is a second person's check, so the one who
# wrote the text never signs it, as a filing is never approved by its filer (filings.approve_filing).
SELF_SIGN = "起草人不能签发自己起草的稿件，请由本单位其他领导签发"


def _notify_all(tx: Tx, ch: Channel, kind: str, title: str, body: str, link: str) -> None:
    audiences = {"office"}
    if ch.owner_unit_id is not None:
        audiences.add(f"unit:{ch.owner_unit_id}")
    pu = propaganda_unit_id(tx)
    if pu is not None:
        audiences.add(f"unit:{pu}")
    for audience in sorted(audiences):
        tx.notify(audience, kind, title, body, link=link)


def _check_text(title: str, text: str) -> None:
    """A text up for sign-off has a title (300 characters at most) and a body (200,000 at most)."""
    if not title or len(title) > 300:
        raise PublishError("请填写标题（300 字以内）")
    if not normalise(text):
        raise PublishError("请填写正文")
    if len(text) > MAX_TEXT:
        raise PublishError("正文过长（20 万字以内）")


@action("publication.draft", permission="publications.draft")
def draft_publication(tx: Tx, channel_id: int, *, title: str, text: str, uploader: str | int | None = None,
                      fictional: bool = False) -> Publication:
    """A draft for an own, admitted channel, naming who will upload it (default: the drafter)."""
    ch = load_channel(tx.session, tx.actor, channel_id)
    require_own(tx.actor, ch, "起草")
    title, text = title.strip(), text.strip()
    _check_text(title, text)
    require_admitted(ch, "起草发布稿件")
    uid, uname = _uploader(tx.session, uploader, tx.actor, ch)
    pub = Publication(channel_id=ch.id, state="draft", title=title, text=text, content_sha256=content_sha256(text),
                      drafted_by_id=tx.actor.user_id, drafted_by_name=tx.actor.name, drafted_at=utcnow(),
                      uploader_id=uid, uploader_name=uname, fictional=fictional)
    tx.session.add(pub)
    tx.session.flush()
    tx.audit("publication.draft", "publication", pub.id, channel=ch.name, title=title,
             content_sha256=pub.content_sha256, uploader=uname)
    if ch.owner_unit_id is not None:
        tx.notify(f"unit:{ch.owner_unit_id}", "publication.to_sign", f"稿件待签发：{title}",
                  link=f"/publications/{pub.id}")
    return pub


@action("publication.sign", permission="publications.sign")
def sign_publication(tx: Tx, pub_id: int, *, approve: bool, note: str = "") -> Publication:
    """签发 (approve=True) or 退回 (approve=False, with a reason) by the unit leader; the text is frozen here.
    `approve` has no default: signing is always an explicit decision. A unit leader signs for their own
    unit's channels only, and never a text they drafted (SELF_SIGN)."""
    if not isinstance(approve, bool):
        raise TypeError("approve must be True or False")
    pub, ch = load_publication(tx.session, tx.actor, pub_id)
    require_own(tx.actor, ch, "签发")
    if drafted_by(pub, tx.actor):
        raise PermissionDenied(SELF_SIGN)
    if approve:
        require_admitted(ch, "签发稿件")  # closed (or admission withdrawn) since it was drafted
    if not approve and not note.strip():
        raise PublishError("退回时请写明修改意见")
    pub.state = step(PUBLICATION, pub.state, "approve" if approve else "reject", PUBLICATION_LABELS)
    pub.content_sha256 = content_sha256(pub.text)
    pub.signed_by_id, pub.signed_by_name, pub.signed_at = tx.actor.user_id, tx.actor.name, utcnow()
    pub.review_note = note.strip()
    tx.audit("publication.sign" if approve else "publication.reject", "publication", pub.id, channel=ch.name,
             content_sha256=pub.content_sha256, note=pub.review_note,
             answers_for="签发内容" if approve else "")
    if approve and pub.uploader_id is not None:
        tx.notify(f"user:{pub.uploader_id}", "publication.signed", f"稿件已签发，请按签发稿发布：{pub.title}",
                  link=f"/publications/{pub.id}")
    return pub


@action("publication.redraft", permission="publications.draft")
def redraft_publication(tx: Tx, pub_id: int, *, title: str, text: str) -> Publication:
    """Revise a returned draft and send it for sign-off again; the reviser is now its drafter (who wrote the
    text up for sign-off, so cannot sign it)."""
    pub, ch = load_publication(tx.session, tx.actor, pub_id)
    require_own(tx.actor, ch, "修改")
    if not normalise(text) or not title.strip():
        raise PublishError("请填写标题和正文")
    require_admitted(ch, "重新提交签发")
    pub.state = step(PUBLICATION, pub.state, "redraft", PUBLICATION_LABELS)
    pub.title, pub.text, pub.content_sha256 = title.strip()[:300], text.strip(), content_sha256(text)
    pub.signed_by_id = pub.signed_by_name = pub.signed_at = None
    pub.drafted_by_id, pub.drafted_by_name, pub.drafted_at = tx.actor.user_id, tx.actor.name, utcnow()
    tx.audit("publication.redraft", "publication", pub.id, content_sha256=pub.content_sha256)
    return pub


@action("publication.publish", permission="publications.draft")
def record_published(tx: Tx, pub_id: int, *, url: str) -> Publication:
    """The named uploader records where the signed text went live; only a signed text may go out.
    Only the uploader named at drafting may do it (checked in the body)."""
    pub, ch = load_publication(tx.session, tx.actor, pub_id)
    named = (pub.uploader_id == tx.actor.user_id) if pub.uploader_id is not None \
        else (pub.uploader_name == tx.actor.name)
    if not named:
        raise PermissionDenied(f"该稿件指定由“{pub.uploader_name}”上传发布，{tx.actor.name} 不能代为发布")
    if pub.state != "approved":
        raise PublishError(f"稿件状态为“{PUBLICATION_LABELS.get(pub.state, pub.state)}”，未经签发不能发布")
    pub.live_url = check_url(url, "发布页面网址")
    pub.state = step(PUBLICATION, pub.state, "publish", PUBLICATION_LABELS)
    pub.published_at, pub.live_check = utcnow(), "pending"
    tx.audit("publication.publish", "publication", pub.id, channel=ch.name, url=pub.live_url,
             answers_for="发布内容与签发稿一致")
    return pub


# -- the live check ----------------------------------------------------------------------------------

@dataclass
class LiveResult:
    publication_id: int
    outcome: str  # match | mismatch | unreachable
    new_finding: bool = False


def _finding(s: Session, ch: Channel, kind: str, key: str) -> ChannelFinding | None:
    return s.execute(select(ChannelFinding).where(ChannelFinding.channel_id == ch.id, ChannelFinding.kind == kind,
                                                  ChannelFinding.key == key)).scalar_one_or_none()


@action("publication.live_check", permission=("publications.draft", "channels.check"))
def record_live_check(tx: Tx, pub_id: int, page: live.LivePage) -> LiveResult:
    """Keep what the live page said and compare it with the signed text; a mismatch becomes a finding and
    an alert (once; seen again only moves last_seen_at), a match resolves an earlier mismatch."""
    pub, ch = load_publication(tx.session, tx.actor, pub_id)
    now = utcnow()
    pub.live_checked_at = now
    key = str(pub.id)
    finding = _finding(tx.session, ch, "mismatch", key)
    if not page.ok:
        pub.live_check, pub.live_error = "unreachable", page.error[:500]
        tx.audit("publication.live_check", "publication", pub.id, outcome="unreachable", error=pub.live_error)
        return LiveResult(pub.id, "unreachable")
    pub.live_text, pub.live_sha256, pub.live_error = page.text, content_sha256(page.text), ""
    outcome = "match" if pub.live_sha256 == pub.content_sha256 else "mismatch"
    pub.live_check = outcome
    tx.audit("publication.live_check", "publication", pub.id, outcome=outcome, live_sha256=pub.live_sha256,
             signed_sha256=pub.content_sha256)
    if outcome == "match":
        if finding is not None and finding.resolved_at is None:
            finding.resolved_at = now
        return LiveResult(pub.id, outcome)
    summary = live.diff_summary(pub.text, page.text)
    data = {"signed_sha256": pub.content_sha256, "live_sha256": pub.live_sha256, "signed_by": pub.signed_by_name,
            "uploader": pub.uploader_name}
    if finding is not None:
        finding.last_seen_at, finding.data, finding.detail = now, data, summary
        if finding.resolved_at is None:
            return LiveResult(pub.id, outcome)
        finding.resolved_at = None  # it changed again after being fixed: a new alert
    else:
        finding = ChannelFinding(channel_id=ch.id, kind="mismatch", key=key, publication_id=pub.id,
                                 page_url=pub.live_url, detail=summary, data=data, found_at=now, last_seen_at=now)
        tx.session.add(finding)
    _notify_all(tx, ch, "publication.mismatch", f"发布内容与签发稿不一致：{ch.name}《{pub.title}》",
                f"签发人：{pub.signed_by_name or '—'}（对签发内容负责）；上传人：{pub.uploader_name}"
                f"（对发布内容与签发稿一致负责）。{summary}", f"/publications/{pub.id}/diff")
    deliver.queue_mismatch(tx, ch, pub, finding, now)  # and to the alert channels chosen for it
    return LiveResult(pub.id, outcome, new_finding=True)


def check_live(ws: Workspace, actor: Actor, pub_id: int, http: HttpClient | None = None) -> LiveResult:
    """Fetch a published article (outside any transaction) and record the comparison."""
    with ws.db.read() as s:
        pub, _ch = load_publication(s, actor, pub_id)
        url = pub.live_url
    if not url:
        raise PublishError("该稿件尚未登记发布网址")
    own = http is None
    http = http or live.client()
    try:
        page = live.fetch_article(http, url)
    finally:
        if own:
            http.close()
    return record_live_check(ws, actor, pub_id, page)


# A page can be edited any time after it went live: published articles are compared again once a day for
# this long after publishing (an open mismatch, an unreachable or never compared page: on every round).
RECHECK_FOR = timedelta(days=30)
RECHECK_EVERY = timedelta(days=1)


def needs_live_check(pub: Publication, open_mismatch: bool, now: datetime) -> bool:
    """Whether a round of the channel check should fetch this publication's live page again."""
    if pub.state != "published" or not pub.live_url:
        return False
    if open_mismatch or pub.live_check in (None, "pending", "unreachable") or pub.live_checked_at is None:
        return True
    recent = pub.published_at is not None and aware(pub.published_at) >= now - RECHECK_FOR
    return recent and aware(pub.live_checked_at) <= now - RECHECK_EVERY


# -- articles live on a channel that were never signed ------------------------------------------------

# Articles published this long before a channel was registered are its archive: a first reading must not call a
# site's whole history unsigned. Newer ones are judged (the duty to sign predates the registry).
ARCHIVE_BEFORE = timedelta(days=30)

@dataclass
class ScanResult:
    channel_id: int
    articles: int = 0
    new_posts: int = 0
    unsigned: list[str] | None = None
    error: str = ""


def _signed(s: Session, ch: Channel) -> tuple[dict[str, int], dict[str, int]]:
    """The channel's signed publications by canonical live URL and by signed-text hash."""
    by_url: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    for pub in s.execute(select(Publication).where(Publication.channel_id == ch.id,
                                                   Publication.state.in_(("approved", "published")))).scalars():
        if pub.live_url:
            by_url[canonical_url(pub.live_url)] = pub.id
        by_hash[pub.content_sha256] = pub.id
    return by_url, by_hash


@dataclass
class SeenArticle:
    url: str
    title: str = ""
    publication_id: int | None = None
    published_at: datetime | None = None


@action("channel.record_posts", permission=("publications.draft", "channels.check"))
def record_posts(tx: Tx, channel_id: int, articles: list[SeenArticle], *, in_round: bool = False) -> list[str]:
    """Keep the articles seen live on a channel; the new ones that match no signed publication become
    `unsigned` findings and an alert (not the archive: articles published more than ARCHIVE_BEFORE before the
    channel was registered). Returns the URLs newly found unsigned. `in_round`: part of a channel-check round,
    whose summary entry accounts for a reading that raised or cleared nothing (check.ROUND)."""
    ch = load_channel(tx.session, tx.actor, channel_id)
    now = utcnow()
    known = {p.url: p for p in tx.session.execute(select(ChannelPost).where(ChannelPost.channel_id == ch.id)).scalars()}
    unsigned: list[str] = []
    cleared: list[str] = []
    new_findings: list[tuple[ChannelFinding, str]] = []
    for art in articles:
        post = known.get(art.url)
        if post is None:
            post = ChannelPost(channel_id=ch.id, url=art.url, title=art.title[:1000], first_seen_at=now,
                               published_at=art.published_at if art.published_at else now)
            tx.session.add(post)
            known[art.url] = post
        if post.publication_id is None and art.publication_id is not None:
            post.publication_id, post.signed = art.publication_id, True
            old = _finding(tx.session, ch, "unsigned", art.url)
            if old is not None and old.resolved_at is None:
                old.resolved_at = now
                cleared.append(art.url)
        elif post.publication_id is None and post.signed is None:
            if aware(art.published_at or now) < aware(ch.created_at) - ARCHIVE_BEFORE:
                continue  # the channel's archive from before it was registered is not judged
            post.signed = False
            if _finding(tx.session, ch, "unsigned", art.url) is None:
                found = ChannelFinding(channel_id=ch.id, kind="unsigned", key=art.url[:300], page_url=art.url,
                                       detail=f"《{art.title or art.url}》未经签发即发布", data={"title": art.title},
                                       found_at=now, last_seen_at=now)
                tx.session.add(found)
                new_findings.append((found, art.title))
                unsigned.append(art.url)
    newest = max((p.published_at for p in known.values() if p.published_at), default=None)
    if newest is not None and (ch.last_update is None or newest > ch.last_update):
        ch.last_update = newest
    if unsigned or cleared or not in_round:
        tx.audit("channel.record_posts", "channel", ch.id, seen=len(articles), unsigned=unsigned,
                 **({"signed_later": cleared} if cleared else {}))
    else:
        tx.summarised(by="channel.check_round")
    if unsigned:
        _notify_all(tx, ch, "publication.unsigned", f"未经签发的发布：{ch.name}（{len(unsigned)} 篇）",
                    "以下文章在渠道上发布，但系统中没有对应的签发稿：" + "、".join(unsigned[:5]),
                    f"/publications?channel={ch.id}#unsigned")
    for found, title in new_findings:  # to the alert channels chosen for it: one message per article
        deliver.queue_unsigned(tx, ch, found, title)
    return unsigned


def scan_channel(ws: Workspace, actor: Actor, channel_id: int, http: HttpClient | None = None) -> ScanResult:
    """Read a channel's feed or list page and record its articles; an article matching no signed
    publication by URL is fetched and matched by its text before it is called unsigned."""
    with ws.db.read() as s:
        ch = load_channel(s, actor, channel_id)
        feed = ch.feed_url or ch.url
        by_url, by_hash = _signed(s, ch)
        known = {p.url: p.signed for p in s.execute(select(ChannelPost).where(ChannelPost.channel_id == ch.id))
                 .scalars()}
    own = http is None
    http = http or live.client()
    try:
        entries, error = live.fetch_feed(http, feed)
        if error:
            return ScanResult(channel_id, error=error)
        seen: list[SeenArticle] = []
        for entry in entries:
            url = entry.url or ""
            art = SeenArticle(url=url, title=entry.title, published_at=entry.published_at,
                              publication_id=by_url.get(canonical_url(url)))
            if art.publication_id is None and known.get(url) is None:
                page = live.fetch_article(http, url)
                if page.ok:
                    art.publication_id = by_hash.get(content_sha256(page.text))
            seen.append(art)
    finally:
        if own:
            http.close()
    unsigned = record_posts(ws, actor, channel_id, seen)
    return ScanResult(channel_id, articles=len(seen), new_posts=sum(1 for a in seen if a.url not in known),
                      unsigned=unsigned)


# A leader who writes a text and signs it in one step answers for both; recorded as such on the publication.
DIRECT_SIGN = "领导直接签发：起草与签发为同一人，由其本人对内容负责"


@action("publication.sign_text", permission="publications.sign")
def sign_text(tx: Tx, channel_id: int, *, title: str, text: str) -> Publication:
    """A leader signs a finished text from a file (the CLI's `publications sign`, whose contract is: add a channel,
    sign a text, record where it went live). When the channel has a draft awaiting sign-off with this title and
    text (compared normalised), that draft is signed: it must be someone else's (SELF_SIGN). When it has none,
    the leader signs a text of their own directly (直接签发, the contract's case): drafted and signed in one
    transaction by the same named person, who is the uploader too, and the publication says so (DIRECT_SIGN)
    in its record and its audit entry. A closed channel takes nothing; a channel not admitted yet is not refused
    here (the text is the leader's decision, already taken), and stays on the clean-up list (清理整顿) and in the
    yearly assessment as operating without approval, where the office sees it."""
    ch = load_channel(tx.session, tx.actor, channel_id)
    require_own(tx.actor, ch, "签发")
    title, text = title.strip(), text.strip()
    drafts = list(tx.session.execute(select(Publication).where(
        Publication.channel_id == ch.id, Publication.state == "draft", Publication.title == title,
        Publication.content_sha256 == content_sha256(text)).order_by(Publication.id.desc())).scalars())
    if drafts:
        others = [p for p in drafts if not drafted_by(p, tx.actor)]
        if not others:
            raise PermissionDenied(SELF_SIGN)
        return sign_publication.within(tx, others[0].id, approve=True)
    if ch.closed or ch.admission == "closed":
        raise PublishError(f"“{ch.name}”已关停，不能再签发稿件")
    _check_text(title, text)
    now = utcnow()
    pub = Publication(channel_id=ch.id, state="approved", title=title, text=text, content_sha256=content_sha256(text),
                      drafted_by_id=tx.actor.user_id, drafted_by_name=tx.actor.name, drafted_at=now,
                      signed_by_id=tx.actor.user_id, signed_by_name=tx.actor.name, signed_at=now,
                      uploader_id=tx.actor.user_id, uploader_name=tx.actor.name, review_note=DIRECT_SIGN)
    tx.session.add(pub)
    tx.session.flush()
    tx.audit("publication.sign_direct", "publication", pub.id, channel=ch.name, title=title,
             content_sha256=pub.content_sha256, admission=ch.admission, answers_for="起草与签发内容（直接签发）")
    return pub
