"""Generate the demo workspace's ~300 fictional posts (src/yuqing/demo/posts.jsonl), reproducibly.

Every person, place and post is invented for the fictional district 示例区. A post is composed from
parts (who/where, what happened, a detail, an ask), so posts about one happening differ the way real
posts do; reposts (//@, 转发) are made explicitly. Run again after editing; the output is committed.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "yuqing" / "demo" / "posts.jsonl"
START = datetime(2026, 11, 17, 7, 0)
SOURCES = ["示例微博", "示例论坛", "示例短视频", "区长留言板", "示例新闻网"]

# Each story: first day, spread in days, number of posts, and the parts a post is made of.
STORIES: dict[str, dict] = {
    "pothole": {"day": 0, "days": 6, "count": 32, "parts": [
        ["城西街道西关路", "西关路靠近花园社区那段", "城西西关路", "西关路和解放巷交叉口", "西关社区门口的西关路"],
        ["路面塌陷了一个大坑", "坑坑洼洼一大片", "井盖下沉，路面裂开", "修了挖、挖了修，又多了几个坑", "沥青全掀起来了"],
        ["{time}骑电动车差点摔倒", "下雨全是积水，根本看不见坑", "车胎都扎破了", "公交车过去溅人一身泥",
         "有老人在这里摔倒了", "打了12345说会处理，一个多月没动静"],
        ["希望交通部门尽快修补。", "请城西街道重视！", "什么时候能修好？", "太危险了！", ""],
    ]},
    "nightmarket": {"day": 0, "days": 7, "count": 42, "parts": [
        ["滨江夜市", "滨江街道的夜市", "江景社区楼下的滨江夜市", "码头社区旁边的夜市摊"],
        ["每天闹到凌晨两点", "音响开得震天响", "喊麦放歌到半夜", "烧烤油烟加噪音", "占道经营，人车混行"],
        ["居民根本睡不着", "孩子第二天要上学", "老人心脏不好受不了", "救护车都开不进小区", "反映好几次了没人管"],
        ["希望城管部门规定收摊时间。", "晚上十点后能不能禁止外放？", "谁来管管？", "请滨江街道处理。", ""],
    ]},
    "wages": {"day": 1, "days": 5, "count": 44, "parts": [
        ["青石镇青石工业园锦江华府项目", "锦江华府项目工地", "青石工业园那个楼盘工地", "青石镇锦江华府的工地"],
        ["拖欠农民工工资{months}", "包工头跑了，欠薪{money}万", "三十多个工友的工钱一分没拿到", "开发商和总包互相推诿，工资没着落"],
        ["马上过年了怎么办", "工友{time}聚在工地门口讨说法", "家里老人看病都等着这笔钱", "打劳动监察电话说在调查"],
        ["希望劳动保障部门介入！", "求青石镇政府帮帮农民工。", "请有关部门督促发放工资。", ""],
    ]},
    "school": {"day": 2, "days": 5, "count": 30, "parts": [
        ["城东街道锦绣社区的家长", "新华社区新建小区的家长", "和平社区家长", "城东的家长们"],
        ["听说示例区第一实验小学学位不够", "一实小一个班五十多人", "孩子明年上一年级不知道划片到哪",
         "示例区第一实验小学扩建工程迟迟没完工"],
        ["要分流到很远的学校", "家长们心里没底", "每天接送要一个小时"],
        ["希望教育局早点公布招生方案。", "请公开划片依据。", "盼扩建早日完工。", ""],
    ]},
    "flood": {"day": 3, "days": 3, "count": 52, "parts": [
        ["河口镇河口村", "河口大桥下面", "河口镇渡口村", "河口镇", "示例区河口镇"],
        ["暴雨后好几户进水了", "路被淹了，积水半米深", "内涝严重，有老人被困在家里", "排水沟全堵了，每年下大雨都淹",
         "强降雨一夜没停"],
        ["水已经到膝盖", "{time}有车辆熄火", "车辆不要往渡口村方向走", "镇干部连夜转移群众，安置点有热水和食物",
         "应急救援队已经到了"],
        ["请求救援！", "希望水务部门彻底整治。", "大家注意绕行。", "感谢消防和镇干部。", ""],
    ]},
    "rumour": {"day": 4, "days": 3, "count": 28, "parts": [
        ["听说桃源镇桃源中心小学食堂", "桃源中心小学的食堂", "桃源镇有家长说学校食堂"],
        ["用地沟油", "被查出使用过期食材", "饭菜有问题，好多孩子拉肚子"],
        ["真的假的？", "有没有人知道具体情况？", "我孩子在那上学，没听说有人拉肚子，别乱传"],
        ["希望市场监管局尽快回应。", "求官方辟谣或者说明。", ""],
    ]},
    "park": {"day": 0, "days": 7, "count": 36, "parts": [
        ["桃源湿地公园", "桃源镇新建的湿地公园", "新开放的桃源湿地公园"],
        ["环境太好了", "步道很舒服，还有免费停车场", "夕阳太美了", "无障碍通道做得很贴心", "公厕干净，志愿者很热情"],
        ["周末带孩子去看白鹭", "{time}去散步的人很多", "带爸妈去逛了一圈", "是示例区的新名片"],
        ["为政府点赞！", "好评！", "希望多开几班公交车到桃源镇。", ""],
    ]},
}
ELSEWHERE = [
    "今天的合作项目顺利签约，感谢团队的努力。", "世界和平是人类共同的愿望，祝大家周末愉快。",
    "新华书店的新书推荐：这周有几本好看的小说。", "人民公园的菊花展开了，拍了很多照片。",
    "双方将在新能源领域深化合作，共同开拓市场。", "东方明珠的夜景真美，上海之行圆满结束。",
    "隔壁市的地铁三号线开通了，通勤方便多了。", "今天股市大涨，胜利就在眼前。",
    "周末去外省爬山，山顶的日出值得早起。", "城区房价又涨了，年轻人买房太难了。",
    "和平饭店的下午茶不错，推荐给大家。", "这部电影讲的是新民主主义革命时期的故事。",
]
TIMES = ["今天早上", "昨晚", "中午", "下午五点多", "晚上九点"]
REPOST_PREFIXES = ["转发", "顶！", "同样遇到过", "一起呼吁", "扩散"]


def compose(rng: random.Random, parts: list[list[str]]) -> str:
    who, what, detail, ask = (rng.choice(p) for p in parts)
    text = f"{who}{what}，{detail}。{ask}".replace("。。", "。").replace("！。", "！").replace("？。", "？")
    return text.format(time=rng.choice(TIMES), months=rng.choice(["三个月", "半年", "八个月"]),
                       money=rng.choice(["40", "60", "85"]))


def main() -> None:
    rng = random.Random(20261117)
    posts: list[dict] = []
    n = 0
    stories = {**STORIES, "elsewhere": {"day": 0, "days": 7, "count": 40}}
    for key, story in stories.items():
        originals: list[dict] = []
        for i in range(story["count"]):
            n += 1
            at = START + timedelta(days=story["day"] + rng.random() * story["days"] * (0.3 + 0.7 * i / story["count"]),
                                   hours=rng.randint(0, 15))
            source = rng.choice(SOURCES if key != "elsewhere" else SOURCES[:3])
            if key == "elsewhere":
                text = rng.choice(ELSEWHERE)
            elif originals and rng.random() < 0.22:
                orig = rng.choice(originals)
                text = f"{rng.choice(REPOST_PREFIXES)}//@网友{rng.randint(100, 999)}:{orig['text']}"
            else:
                text = compose(rng, story["parts"])
            post = {
                "id": f"demo-{n:04d}",
                "source": source,
                "url": f"https://example.invalid/{source}/{n}",
                "title": text[:18] if source in ("区长留言板", "示例新闻网", "示例论坛") and "//@" not in text else "",
                "text": text,
                "author": f"网友{rng.randint(1000, 9999)}",
                "published_at": at.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                "reposts": int(rng.paretovariate(1.3) * 3) if key != "elsewhere" else rng.randint(0, 3),
                "comments": int(rng.paretovariate(1.5) * 2),
                "likes": int(rng.paretovariate(1.2) * 5),
                "story": key,
                "fictional": True,
            }
            if "//@" not in text:
                originals.append(post)
            posts.append(post)
    posts.sort(key=lambda p: p["published_at"])
    with OUT.open("w", encoding="utf-8") as fh:
        for p in posts:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"wrote {len(posts)} posts to {OUT}")


if __name__ == "__main__":
    main()
