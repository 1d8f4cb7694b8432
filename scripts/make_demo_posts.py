"""Generate the demo workspace's ~300 fictional posts (src/yuqing/demo/posts.jsonl), reproducibly.

Every person, place and post is invented for the fictional district 示例区. Run again after editing
the story lines below; the output is committed so the demo never depends on this script.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "yuqing" / "demo" / "posts.jsonl"
START = datetime(2026, 11, 17, 7, 0)
SOURCES = ["示例微博", "示例论坛", "示例短视频", "区长留言板", "示例新闻网"]

# Each story: (key, first day offset, spread in days, count, sources weights, templates)
STORIES: dict[str, dict] = {
    "pothole": {
        "day": 0, "days": 6, "count": 32,
        "texts": [
            "城西街道西关路又坑又洼，{time}骑电动车差点摔倒，{plea}",
            "西关路靠近花园社区那段路面塌陷了一个大坑，下雨全是积水，{plea}",
            "西关路修了挖、挖了修，{time}路过又看到三个坑，车胎都扎破了。",
            "城西西关路坑洼不平，公交车过去溅人一身泥，希望交通部门管管。",
            "西关路的坑已经一个多月了，打了12345说会处理，到现在还没动静，{plea}",
            "今天{time}在西关路看到有老人摔倒，就是那个没填的坑，太危险了！",
        ],
    },
    "nightmarket": {
        "day": 0, "days": 7, "count": 42,
        "texts": [
            "滨江夜市每天闹到凌晨两点，音响开得震天响，江景社区的居民根本睡不着，{plea}",
            "住在滨江街道码头社区，楼下夜市烧烤油烟加噪音，孩子第二天要上学，{plea}",
            "滨江夜市噪音扰民问题反映好几次了，{time}又是喊麦又是放歌，谁来管管？",
            "滨江夜市的摊位占道经营，晚上救护车都开不进江景社区。",
            "夜市热闹是好事，但滨江夜市的噪音真的超标了，半夜十二点还在唱KTV。",
            "建议滨江夜市规定收摊时间，晚上十点后禁止外放音响，居民也要休息。",
        ],
    },
    "wages": {
        "day": 1, "days": 5, "count": 44,
        "texts": [
            "青石镇青石工业园锦江华府项目工地拖欠农民工工资，三十多个工友{months}的工钱一分没拿到，{plea}",
            "我们在青石工业园锦江华府项目干了大半年，包工头跑了，欠薪{money}万，马上过年了怎么办？",
            "锦江华府项目欠薪的工友{time}聚在工地门口讨说法，希望劳动保障部门介入。",
            "青石镇锦江华府工地农民工讨薪，开发商和总包互相推诿，{plea}",
            "青石工业园那个楼盘欠农民工工资的事有人管吗？工友们家里老人看病都等着这笔钱。",
            "锦江华府项目拖欠工资已经{months}了，打劳动监察电话说在调查，{plea}",
        ],
    },
    "school": {
        "day": 2, "days": 5, "count": 30,
        "texts": [
            "城东街道锦绣社区的孩子明年上一年级，听说示例区第一实验小学学位不够，要分流到很远的学校。",
            "一实小学位紧张，新华社区新建小区的孩子划片到哪里？教育局能不能早点公布方案？",
            "城东学位问题年年说，示例区第一实验小学一个班五十多人，{plea}",
            "希望教育部门公开城东街道的招生划片依据，家长们心里没底。",
            "和平社区家长：示例区第一实验小学扩建工程什么时候能完工？",
        ],
    },
    "flood": {
        "day": 3, "days": 3, "count": 52,
        "texts": [
            "河口镇暴雨，河口村好几户进水了，水已经到膝盖，{plea}",
            "河口大桥下面的路被淹了，车辆不要往渡口村方向走！{time}水还在涨。",
            "河口镇内涝严重，渡口村有老人被困在家里，请求救援！",
            "暴雨后河口镇的排水沟全堵了，每年下大雨都淹，希望水务部门彻底整治。",
            "河口镇应急救援队已经到渡口村转移群众，感谢消防和镇干部连夜奋战。",
            "河口大桥附近积水半米深，{time}有车辆熄火，注意绕行。",
            "示例区河口镇昨夜强降雨，镇政府组织转移群众，目前安置点有热水和食物。",
        ],
    },
    "rumour": {
        "day": 4, "days": 3, "count": 28,
        "texts": [
            "听说桃源镇桃源中心小学食堂用地沟油，好多孩子吃了拉肚子，真的假的？",
            "转：桃源中心小学食堂被查出使用过期食材，家长们注意！",
            "桃源镇有家长说食堂饭菜有问题，有没有人知道具体情况？求证一下。",
            "关于桃源中心小学食堂的传言，市场监管局有没有去检查？希望官方尽快回应。",
            "桃源中心小学食堂地沟油的说法没有根据吧，我孩子在那上学，没听说有人拉肚子。",
        ],
    },
    "park": {
        "day": 0, "days": 7, "count": 36,
        "texts": [
            "桃源湿地公园开放了，环境太好了，周末带孩子去看白鹭，点赞示例区！",
            "桃源镇新建的湿地公园步道很舒服，还有免费停车场，为政府点赞。",
            "桃源湿地公园的夕阳太美了，{time}去散步的人很多，设施也干净。",
            "带爸妈去了桃源湿地公园，无障碍通道做得很贴心，好评！",
            "湿地公园建得真不错，希望多开几班公交车到桃源镇，方便城里人过去。",
            "桃源湿地公园的志愿者很热情，公厕干净，是示例区的新名片。",
        ],
    },
    "elsewhere": {
        "day": 0, "days": 7, "count": 40,
        "texts": [
            "今天的合作项目顺利签约，感谢团队的努力。",
            "世界和平是人类共同的愿望，祝大家周末愉快。",
            "新华书店的新书推荐：这周有几本好看的小说。",
            "人民公园的菊花展开了，拍了很多照片。",
            "双方将在新能源领域深化合作，共同开拓市场。",
            "东方明珠的夜景真美，上海之行圆满结束。",
            "隔壁市的地铁三号线开通了，通勤方便多了。",
            "今天股市大涨，胜利就在眼前。",
            "周末去外省爬山，山顶的日出值得早起。",
            "城区房价又涨了，年轻人买房太难了。",
        ],
    },
}

PLEAS = ["希望有关部门尽快处理！", "请相关部门重视。", "@示例区发布 能不能管一管？", "盼早日解决。", ""]
TIMES = ["今天早上", "昨晚", "中午", "下午五点多", "晚上九点"]


def main() -> None:
    rng = random.Random(20261117)
    posts: list[dict] = []
    n = 0
    for key, story in STORIES.items():
        originals: list[dict] = []
        for i in range(story["count"]):
            n += 1
            at = START + timedelta(days=story["day"] + rng.random() * story["days"] * (0.3 + 0.7 * i / story["count"]),
                                   hours=rng.randint(0, 15))
            source = rng.choice(SOURCES if key != "elsewhere" else SOURCES[:3])
            if originals and key != "elsewhere" and rng.random() < 0.22:
                orig = rng.choice(originals)
                text = rng.choice(["转发", "顶！", "同样遇到过", "一起呼吁"]) + f"//@网友{rng.randint(100, 999)}:" + orig["text"]
            else:
                text = rng.choice(story["texts"]).format(
                    plea=rng.choice(PLEAS), time=rng.choice(TIMES), months=rng.choice(["三个月", "半年", "八个月"]),
                    money=rng.choice(["40", "60", "85"]),
                )
            post = {
                "id": f"demo-{n:04d}",
                "source": source,
                "url": f"https://example.invalid/{source}/{n}",
                "title": text[:18] if source in ("区长留言板", "示例新闻网", "示例论坛") else "",
                "text": text,
                "author": f"网友{rng.randint(1000, 9999)}",
                "published_at": at.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                "reposts": int(rng.paretovariate(1.3) * 3) if key != "elsewhere" else rng.randint(0, 3),
                "comments": int(rng.paretovariate(1.5) * 2),
                "likes": int(rng.paretovariate(1.2) * 5),
                "story": key,
                "fictional": True,
            }
            originals.append(post)
            posts.append(post)
    posts.sort(key=lambda p: p["published_at"])
    with OUT.open("w", encoding="utf-8") as fh:
        for p in posts:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"wrote {len(posts)} posts to {OUT}")


if __name__ == "__main__":
    main()
