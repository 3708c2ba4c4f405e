"""Deterministic, realistic sample data: every table of the data model, and large order logs.

:func:`generate` builds a small company's customer database (about 2,000 customers over
three years by default) whose shape follows the domain documents: heavy-tailed customer
value, repeat purchases from a buy-till-you-die process, a Chinese New Year dip, usage
cycles of consumables, contacts with roles and birthdays, gaps in follow-up, prospects with
MAN attributes, requirements in Chinese and English, opportunities with protection
deadlines, receivables with an overdue tail, complaints, campaign responses and lost
customers. :func:`write` saves it as one UTF-8 CSV per table, byte for byte reproducible.

:func:`generate_orders` and :func:`write_orders_parquet` make large order logs (tens of
millions of lines) for benchmarks, vectorised and streamed in chunks.

Everything is drawn from one :class:`numpy.random.Generator` seeded by ``seed``; nothing
depends on the wall clock, dict or set ordering or hash randomisation. The files are
reproducible for a given NumPy version (NumPy may change a distribution's algorithm between
versions, see NEP 19).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.schema import (
    CONTACT_ROLES,
    LEAD_SOURCES,
    LOST_REASONS,
    OPPORTUNITY_STAGES,
    REQUIREMENT_SOURCES,
    REQUIREMENT_STATUSES,
    TABLES,
)

__all__ = [
    "DEFAULT_END",
    "chinese_new_year",
    "generate",
    "write",
    "generate_orders",
    "write_orders_parquet",
]

DEFAULT_END = "2026-06-30"

# Chinese New Year (Spring Festival, day 1 of the first lunar month), from the lunisolar
# calendar of the `holidays` package; other years fall back to that package at run time.
_CNY = {
    2000: "2000-02-05", 2001: "2001-01-24", 2002: "2002-02-12", 2003: "2003-02-01",
    2004: "2004-01-22", 2005: "2005-02-09", 2006: "2006-01-29", 2007: "2007-02-18",
    2008: "2008-02-07", 2009: "2009-01-26", 2010: "2010-02-14", 2011: "2011-02-03",
    2012: "2012-01-23", 2013: "2013-02-10", 2014: "2014-01-31", 2015: "2015-02-19",
    2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05",
    2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22",
    2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06",
    2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03", 2031: "2031-01-23",
    2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19", 2035: "2035-02-08",
    2036: "2036-01-28", 2037: "2037-02-15", 2038: "2038-02-04", 2039: "2039-01-24",
    2040: "2040-02-12", 2041: "2041-02-01", 2042: "2042-01-22", 2043: "2043-02-10",
    2044: "2044-01-30", 2045: "2045-02-17", 2046: "2046-02-06", 2047: "2047-01-26",
    2048: "2048-02-14", 2049: "2049-02-02", 2050: "2050-01-23",
}  # fmt: skip

# --------------------------------------------------------------------------------------
# The organisation: companies, their cities (outlets), departments and salespeople.
# (company, short, weight, ((province, city, area code, admin code, districts), ...))
_COMPANIES = (
    ("华东分公司", "华东", 0.34, (
        ("上海", "上海", "021", "310000", ("浦东新区", "徐汇区", "闵行区")),
        ("浙江", "杭州", "0571", "330100", ("西湖区", "滨江区", "余杭区")),
        ("江苏", "南京", "025", "320100", ("鼓楼区", "江宁区", "建邺区")),
        ("江苏", "苏州", "0512", "320500", ("工业园区", "吴中区", "姑苏区")),
    )),
    ("华北分公司", "华北", 0.26, (
        ("北京", "北京", "010", "110000", ("海淀区", "朝阳区", "丰台区")),
        ("天津", "天津", "022", "120000", ("滨海新区", "南开区", "河西区")),
        ("河北", "石家庄", "0311", "130100", ("长安区", "桥西区", "裕华区")),
    )),
    ("华南分公司", "华南", 0.25, (
        ("广东", "广州", "020", "440100", ("天河区", "黄埔区", "番禺区")),
        ("广东", "深圳", "0755", "440300", ("南山区", "福田区", "宝安区")),
        ("福建", "厦门", "0592", "350200", ("思明区", "湖里区", "集美区")),
    )),
    ("西南分公司", "西南", 0.15, (
        ("四川", "成都", "028", "510100", ("武侯区", "高新区", "锦江区")),
        ("重庆", "重庆", "023", "500000", ("渝北区", "江北区", "九龙坡区")),
        ("云南", "昆明", "0871", "530100", ("五华区", "盘龙区", "官渡区")),
    )),
)  # fmt: skip
_DEPT_KINDS = ("大客户部", "行业销售部")
_SALESPEOPLE = (
    "王建国", "李秀梅", "张伟", "刘洋", "陈静", "杨帆",
    "赵磊", "孙丽华", "周杰", "吴敏", "郑浩", "冯雪",
    "黄志强", "林晓燕", "何俊", "郭婷", "罗斌", "梁芳",
    "宋涛", "唐雨欣", "许明", "邓丽", "韩冰", "曹宇",
)  # fmt: skip

# (product name, category, unit price, unit cost, usage days per unit, base quantity)
_PRODUCTS = (
    ("激光打印机硒鼓 TN-210", "consumables", 420.0, 250.0, 60.0, 4.0),
    ("彩色墨盒套装 CL-4", "consumables", 380.0, 210.0, 45.0, 3.0),
    ("A4复印纸（箱）", "consumables", 165.0, 120.0, 30.0, 8.0),
    ("热敏标签纸（卷）", "consumables", 85.0, 45.0, 30.0, 10.0),
    ("碳带 RB-110", "consumables", 120.0, 70.0, 45.0, 6.0),
    ("工业润滑油（桶）", "consumables", 560.0, 330.0, 90.0, 3.0),
    ("空气滤芯 AF-20", "consumables", 260.0, 130.0, 120.0, 3.0),
    ("防护手套（箱）", "consumables", 220.0, 140.0, 30.0, 5.0),
    ("设备清洁套装", "consumables", 150.0, 80.0, 60.0, 4.0),
    ("打印头保养液", "consumables", 95.0, 50.0, 90.0, 3.0),
    ("净水滤芯 FW-3", "consumables", 340.0, 180.0, 180.0, 2.0),
    ("UPS 电池模块", "consumables", 1200.0, 800.0, 180.0, 1.0),
    ("激光打印机 LP-2000", "equipment", 3800.0, 2900.0, 1825.0, 0.6),
    ("条码扫描枪 BS-70", "equipment", 1200.0, 800.0, 1095.0, 1.5),
    ("标签打印机 LB-400", "equipment", 2600.0, 1800.0, 1460.0, 0.6),
    ("机架服务器 RS-5", "equipment", 38000.0, 29000.0, 1825.0, 0.2),
    ("网络存储 NAS-8", "equipment", 16000.0, 11500.0, 1825.0, 0.2),
    ("工业平板电脑 IT-10", "equipment", 5600.0, 4100.0, 1095.0, 0.8),
    ("门禁考勤机 AC-3", "equipment", 2200.0, 1500.0, 1825.0, 0.4),
    ("移动数据终端 PDA-6", "equipment", 4300.0, 3100.0, 1095.0, 1.0),
    ("ERP 财务模块（年许可）", "software", 48000.0, 9000.0, 365.0, 0.0),
    ("ERP 供应链模块（年许可）", "software", 56000.0, 11000.0, 365.0, 0.0),
    ("CRM 客户管理（用户/年）", "software", 1800.0, 300.0, 365.0, 4.0),
    ("OA 移动审批（用户/年）", "software", 600.0, 100.0, 365.0, 8.0),
    ("数据库许可（核/年）", "software", 12000.0, 7000.0, 365.0, 0.5),
    ("BI 报表平台（年许可）", "software", 26000.0, 5000.0, 365.0, 0.0),
    ("实施服务（人天）", "services", 2500.0, 1400.0, np.nan, 3.0),
    ("培训课程（人次）", "services", 800.0, 350.0, np.nan, 5.0),
    ("年度运维服务", "services", 18000.0, 9000.0, 365.0, 0.0),
    ("上门维修服务", "services", 600.0, 300.0, np.nan, 0.5),
    ("数据迁移服务", "services", 9000.0, 5000.0, np.nan, 0.0),
)
_CATEGORIES = ("consumables", "equipment", "software", "services")
# Category of a line (consumables, equipment, software, services) by economic scale
# (small, medium, large): in a customer's first order, and in later orders.
_CAT_FIRST = ((0.70, 0.25, 0.03, 0.02), (0.45, 0.33, 0.12, 0.10), (0.25, 0.30, 0.28, 0.17))
_CAT_LATER = ((0.86, 0.08, 0.01, 0.05), (0.68, 0.12, 0.05, 0.15), (0.50, 0.14, 0.14, 0.22))

# Seasonality: month factors (Jan..Dec), weekday factors (Mon..Sun), CNY dip by day offset.
_MONTH = (0.95, 0.80, 1.05, 1.00, 1.00, 1.10, 0.95, 0.90, 1.05, 0.95, 1.10, 1.30)
_WEEKDAY = (1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.10)
_CNY_DIP = ((-12, -4, 0.6), (-3, 8, 0.08), (9, 16, 0.55))

_SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
)
_MALE = (
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "刚",
    "平",
    "辉",
    "鹏",
    "浩",
    "宇",
    "斌",
    "俊",
    "峰",
    "建华",
    "志远",
    "子轩",
    "国强",
    "海涛",
    "文博",
    "晓东",
    "立新",
)
_FEMALE = (
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "娟",
    "霞",
    "婷",
    "雪",
    "琳",
    "欣",
    "怡",
    "倩",
    "秀英",
    "桂英",
    "晓燕",
    "雨涵",
    "梓涵",
    "思琪",
    "佳怡",
    "玉兰",
    "美玲",
    "慧敏",
)
_BRANDS = (
    "恒信",
    "华瑞",
    "鼎盛",
    "宏达",
    "金鹏",
    "天成",
    "新元",
    "汇通",
    "博远",
    "众诚",
    "东方",
    "长城",
    "永泰",
    "盛世",
    "联创",
    "中科",
    "科瑞",
    "安泰",
    "银河",
    "海纳",
    "嘉禾",
    "润华",
    "兴业",
    "锦程",
    "远航",
    "凯旋",
    "明德",
    "正泰",
    "百川",
    "瑞丰",
    "德昌",
    "华通",
    "精工",
    "同创",
    "万达",
    "启明",
    "信达",
    "鸿运",
    "祥和",
    "融信",
)
# (industry, base prosperity index, name words, business scope)
_INDUSTRIES = (
    (
        "制造业",
        102.0,
        ("机械", "精密制造", "电子", "汽车零部件"),
        "机械设备、电子元器件的研发、生产与销售",
    ),
    ("批发零售", 98.0, ("商贸", "百货", "供应链"), "日用百货、五金交电的批发与零售"),
    ("医疗卫生", 108.0, ("医疗器械", "医药", "健康科技"), "医疗器械经营；药品批发；健康咨询服务"),
    ("教育", 101.0, ("教育科技", "职业培训"), "教育软件开发；职业技能培训"),
    ("交通物流", 97.0, ("物流", "运输", "仓储"), "道路货物运输；仓储服务；供应链管理"),
    ("金融", 104.0, ("融资租赁", "投资管理"), "融资租赁业务；投资管理与咨询"),
    ("建筑工程", 92.0, ("建设", "建工", "装饰工程"), "建筑工程施工；建筑装饰装修"),
    ("信息技术", 110.0, ("科技", "信息技术", "软件"), "软件开发；信息系统集成服务；技术咨询"),
    ("食品饮料", 100.0, ("食品", "饮品", "农业科技"), "食品生产与销售；农产品收购"),
)
_ENTERPRISE_TYPES = (
    "有限责任公司",
    "股份有限公司",
    "个人独资企业",
    "合伙企业",
    "外商投资企业",
    "事业单位",
)
_ENTERPRISE_TYPE_P = (0.55, 0.18, 0.06, 0.05, 0.10, 0.06)
_OWNERSHIPS = ("民营", "国有", "外资", "合资", "集体")
_OWNERSHIP_P = (0.58, 0.18, 0.10, 0.09, 0.05)
_ROADS = (
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "科技路",
    "长江路",
    "黄河路",
    "新华路",
    "创业大道",
    "工业园路",
    "滨江大道",
    "学府路",
)
_LEAD_SOURCE_P = (0.05, 0.26, 0.15, 0.15, 0.20, 0.09, 0.10)  # order of schema.LEAD_SOURCES
_LEAD_COST = (300.0, 500.0, 800.0, 1500.0, 3000.0, 1200.0, 2500.0)

_TITLES = {
    "decision_maker": (
        ("总经办", "总经理"),
        ("董事会", "董事长"),
        ("信息部", "CIO"),
        ("财务部", "财务总监"),
    ),
    "leader": (("采购部", "采购经理"), ("信息部", "IT经理"), ("项目部", "项目经理")),
    "supporter": (("信息部", "系统工程师"), ("生产部", "设备主管"), ("采购部", "采购专员")),
    "neutral": (("行政部", "行政主管"), ("财务部", "会计"), ("仓储部", "仓库主管")),
    "opponent": (("总经办", "副总经理"), ("技术部", "技术总监")),
}
_HOBBIES = (
    "高尔夫",
    "钓鱼",
    "茶道",
    "摄影",
    "跑步",
    "书法",
    "旅游",
    "篮球",
    "登山",
    "围棋",
    "关心孩子升学",
    "关注行业政策",
    "喜欢读历史",
    "羽毛球",
    "收藏紫砂壶",
)

_FU_CHANNELS = ("phone", "wechat", "visit", "email", "sms", "meeting")
_FU_CHANNEL_P = (0.35, 0.25, 0.15, 0.12, 0.08, 0.05)
_FU_PURPOSES = ("例行回访", "需求调研", "新品推荐", "催收货款", "售后服务", "节日问候", "续约沟通")
_FU_OUTCOMES = ("达成购买意向", "继续跟进", "暂无需求", "无人接听", "已下单", "客户提出新需求")

# Requirement library: (type, category, weight, grows over time, zh phrasings, en phrasings).
_NEEDS = (
    (
        "product",
        "mobile",
        3.0,
        False,
        (
            "希望系统支持移动端审批",
            "希望能在手机上审批单据",
            "系统要支持移动端审批功能",
            "出差时需要用手机审批报销",
        ),
        (
            "Need mobile approval of documents",
            "We want to approve requests on our phones",
            "Mobile approval for managers on the road",
        ),
    ),
    (
        "product",
        "integration",
        2.5,
        False,
        ("需要与公司AD域账号单点登录", "希望支持单点登录（SSO），用AD账号登录"),
        (
            "Need SSO integration with our AD",
            "Single sign-on with Active Directory is required",
            "Please support SSO via our AD",
        ),
    ),
    (
        "product",
        "integration",
        1.5,
        False,
        ("希望与企业微信集成，消息推送到企业微信", "需要对接钉钉和企业微信的消息通知"),
        ("Integration with WeCom for notifications",),
    ),
    (
        "product",
        "reporting",
        2.5,
        False,
        (
            "希望报表可以自定义字段并导出Excel",
            "需要按部门、月份自定义统计报表",
            "报表能否导出Excel并自定义列",
        ),
        (
            "Custom report builder with Excel export",
            "Need to export reports to Excel with our own columns",
        ),
    ),
    (
        "product",
        "reporting",
        1.5,
        False,
        ("管理层需要一个实时经营看板", "希望有销售数据可视化大屏"),
        ("Management wants a real-time dashboard", "Need a KPI dashboard for the board"),
    ),
    (
        "product",
        "inventory",
        1.5,
        False,
        ("库存需要按批次和保质期管理", "希望支持批次号和效期预警"),
        ("Track inventory by batch and expiry date", "Batch and expiry alerts for stock"),
    ),
    (
        "product",
        "inventory",
        1.2,
        False,
        ("出入库希望用扫码枪扫条码", "仓库需要支持条码扫描入库"),
        ("Barcode scanning for goods receipt", "Need barcode scanning in the warehouse"),
    ),
    (
        "product",
        "finance",
        1.5,
        False,
        ("需要对接税务系统开具电子发票", "希望支持全电发票自动开具"),
        ("Need e-invoicing integrated with the tax system",),
    ),
    (
        "product",
        "finance",
        0.8,
        False,
        ("海外子公司需要多币种核算",),
        ("Multi-currency accounting for overseas subsidiaries", "Need multi-currency support"),
    ),
    (
        "product",
        "workflow",
        1.5,
        False,
        ("审批流程希望可以自己配置", "采购审批流要能按金额分级"),
        ("Configurable approval workflows", "Approval routing by amount thresholds"),
    ),
    (
        "product",
        "ai",
        1.0,
        True,
        ("希望系统内置智能问答助手", "能否用大模型自动生成周报", "希望加入AI智能客服"),
        (
            "Add an AI assistant to answer staff questions",
            "Generate weekly reports with an LLM",
            "AI chatbot for customer service",
        ),
    ),
    (
        "product",
        "performance",
        1.0,
        False,
        ("月底结账时系统太慢，希望优化性能",),
        ("System is slow at month-end close, please improve performance",),
    ),
    (
        "related",
        "training",
        2.5,
        False,
        ("新员工需要系统操作培训", "希望提供上门培训课程", "需要给财务人员做专项培训"),
        (
            "Need on-site training for new staff",
            "Training for our finance team",
            "Please provide user training sessions",
        ),
    ),
    (
        "related",
        "hardware",
        2.0,
        False,
        ("需要配套服务器和存储设备", "上线前要采购新的服务器", "需要一起采购扫码枪和标签打印机"),
        (
            "Need servers and storage for the rollout",
            "Hardware (server, scanners) bundled with the project",
        ),
    ),
    (
        "related",
        "database",
        1.5,
        False,
        ("需要购买数据库许可并做数据库调优", "希望提供数据库备份和恢复方案"),
        ("Need a database licence and tuning", "Database backup and recovery plan needed"),
    ),
    (
        "related",
        "consulting",
        1.0,
        False,
        ("希望提供业务流程梳理咨询服务", "旧系统数据需要迁移到新系统"),
        ("Need process consulting before implementation", "Migrate data from our legacy system"),
    ),
    (
        "restrictive",
        "qualification",
        1.5,
        False,
        ("供应商必须具备ISO 9001认证", "投标要求具备信息系统集成资质", "需要提供等保三级测评证明"),
        (
            "Supplier must be ISO 9001 certified",
            "Bidders need a system integration qualification",
            "Must pass MLPS level 3 assessment",
        ),
    ),
    (
        "restrictive",
        "acceptance",
        1.2,
        False,
        ("验收标准需按国家标准执行并出具检测报告", "项目验收需要第三方测评"),
        (
            "Acceptance must follow the national standard with a test report",
            "Third-party testing required for acceptance",
        ),
    ),
    (
        "restrictive",
        "supervision",
        0.8,
        False,
        ("项目需要接受监理单位监督", "需要按监理要求每周提交进度报告"),
        (
            "The project is supervised by an external supervisor",
            "Weekly reports to the project supervisor required",
        ),
    ),
    (
        "restrictive",
        "security",
        1.0,
        False,
        ("数据必须存放在本地机房，不能上云",),
        ("Data must stay on premises, no public cloud",),
    ),
    (
        "restrictive",
        "procurement",
        0.8,
        False,
        ("采购需走政府采购平台公开招标",),
        ("Purchases must go through public tender",),
    ),
    (
        "product",
        "special",
        0.6,
        False,
        ("希望系统支持按农历日期排班", "希望界面支持藏文显示"),
        ("Invoices must show the lunar calendar date", "Need the UI in Tibetan script"),
    ),
)
_ZH_SUFFIX = ("", "", "", "。", "，越快越好", "（客户多次提到）", "，最好下个版本实现")
_EN_SUFFIX = ("", "", "", ".", " ASAP", " (raised again)", ", if possible in the next release")
_REQ_SOURCE_P = (0.45, 0.25, 0.25, 0.05)  # order of schema.REQUIREMENT_SOURCES

_OPP_NEEDS = (
    "ERP 升级及移动审批",
    "新增打印及标签设备",
    "仓库条码化改造",
    "财务共享中心建设",
    "CRM 系统上线",
    "数据中心服务器扩容",
    "年度运维续约",
    "BI 经营分析平台",
    "耗材年度集中采购",
    "门店终端更新",
)
_OPP_PERIODS = ("一个月内", "三个月内", "半年内", "年底前", "明年预算")
_OPP_ROUTES = (
    "总经理审批",
    "采购委员会招标",
    "IT部门评估后总经理拍板",
    "集团总部统一采购",
    "三家比价后财务审批",
)
_COMPETITORS = ("用友", "金蝶", "SAP", "浪潮", "Oracle", "鼎捷", "本地集成商")
_PROJECT_KIND = {
    "consumables": "耗材供应",
    "equipment": "设备采购",
    "software": "软件实施",
    "services": "技术服务",
}
_COMPLAINT_CATS = ("产品质量", "交付延迟", "服务态度", "发票问题", "实施质量", "价格争议")
_LOST_P = (0.18, 0.30, 0.20, 0.12, 0.12, 0.08)  # order of schema.LOST_REASONS
_LOST_NOTES = {
    "poor_results": ("系统上线后效果不达预期", "耗材质量不稳定，影响生产"),
    "switched_supplier": ("竞争对手报价更低", "集团统一更换供应商"),
    "budget_short": ("今年预算被砍", "资金紧张，采购暂停"),
    "plan_changed": ("项目计划延期", "改为自建系统"),
    "personnel_changed": ("原采购负责人离职", "新任总经理有自己的供应商"),
    "business_ended": ("公司停业", "该业务线关停"),
}
# Campaigns per year: (month, day, channel, approach, response rate range).
_CAMPAIGNS = (
    (3, 12, "email", "information", (0.01, 0.03)),
    (5, 20, "wechat", "differentiated", (0.06, 0.15)),
    (9, 8, "sms", "mass", (0.02, 0.05)),
    (12, 6, "member_meeting", "relationship", (0.18, 0.30)),
)
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def chinese_new_year(year: int) -> dt.date:
    """Return the date of Chinese New Year (Spring Festival) in ``year``.

    Years 2000-2050 come from a built-in table; others from the ``holidays`` package.

    Parameters
    ----------
    year : int
        Gregorian year.

    Returns
    -------
    datetime.date
        The first day of the first lunar month.

    Examples
    --------
    >>> chinese_new_year(2026)
    datetime.date(2026, 2, 17)
    """
    if year in _CNY:
        return dt.date.fromisoformat(_CNY[year])
    import holidays

    days = sorted(d for d, name in holidays.China(years=year).items() if "Spring" in name)
    if not days:
        raise ValueError(f"no Chinese New Year date known for {year}; use years 2000-2050")
    return days[0]


# --------------------------------------------------------------------------------------
# Small helpers.


def _day(value: str | dt.date | pd.Timestamp) -> int:
    """Day number (days since 1970-01-01) of a date-like value."""
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def _dates(days: np.ndarray) -> np.ndarray:
    """Day numbers (NaN or negative sentinel -> NaT) as ``datetime64[us]``."""
    days = np.asarray(days, dtype=np.float64)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[us]")
    ok = ~np.isnan(days)
    out[ok] = days[ok].astype(np.int64).astype("datetime64[D]").astype("datetime64[us]")
    return out


def _season(days: np.ndarray) -> np.ndarray:
    """Relative daily purchase intensity: month, weekday and the Chinese New Year dip."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]").astype(np.int64) % 12
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    w = np.asarray(_MONTH)[month] * np.asarray(_WEEKDAY)[weekday]
    years = d.astype("datetime64[Y]").astype(np.int64) + 1970
    for y in range(int(years.min()) - 1, int(years.max()) + 2):
        off = days - _day(chinese_new_year(y))
        for lo, hi, f in _CNY_DIP:
            w = np.where((off >= lo) & (off <= hi), w * f, w)
    return w


def _sample_days(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """Draw ``n`` indices into ``weights`` with probability proportional to the weights."""
    cw = np.cumsum(weights)
    return np.searchsorted(cw, rng.random(n) * cw[-1], side="right").clip(0, len(cw) - 1)


def _ids(prefix: str, n: int, width: int | None = None) -> np.ndarray:
    """``prefix`` followed by 1..n zero-padded to ``width`` digits."""
    width = width or max(4, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _person_names(rng: np.random.Generator, n: int, female: np.ndarray) -> np.ndarray:
    """Chinese personal names; ``female`` is a boolean array."""
    sur = rng.integers(0, len(_SURNAMES), n)
    male_i = rng.integers(0, len(_MALE), n)
    fem_i = rng.integers(0, len(_FEMALE), n)
    return np.array(
        [
            _SURNAMES[s] + (_FEMALE[f] if fe else _MALE[m])
            for s, m, f, fe in zip(sur, male_i, fem_i, female, strict=True)
        ],
        dtype=object,
    )


def _uscc(rng: np.random.Generator, admin: str) -> str:
    """A well-formed unified social credit code (GB 32100 check character)."""
    body = "91" + admin + "".join(_USCC_CHARS[i] for i in rng.integers(0, 31, 9))
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def _pick(rng: np.random.Generator, options: tuple, n: int, p=None) -> np.ndarray:
    """Draw ``n`` items of ``options`` (optionally with probabilities ``p``)."""
    idx = rng.choice(len(options), size=n, p=None if p is None else np.asarray(p) / sum(p))
    return np.array(options, dtype=object)[idx]


class _Org:
    """Companies, departments, salespeople and outlets as flat arrays."""

    def __init__(self) -> None:
        self.cities = []  # (company index, province, city, area, admin, districts)
        for ci, (_, _, _, cities) in enumerate(_COMPANIES):
            for prov, city, area, admin, districts in cities:
                self.cities.append((ci, prov, city, area, admin, districts))
        self.company_names = [c[0] for c in _COMPANIES]
        self.company_p = np.array([c[2] for c in _COMPANIES])
        # department d = 2 * company + kind; salesperson s = 3 * d + k
        self.dept_names = [f"{c[1]}{k}" for c in _COMPANIES for k in _DEPT_KINDS]
        self.dept_company = np.repeat(np.arange(len(_COMPANIES)), len(_DEPT_KINDS))
        self.sales_dept = np.repeat(np.arange(len(self.dept_names)), 3)
        self.outlets = [f"{c[2]}营业部" for c in self.cities]
        self.city_company = np.array([c[0] for c in self.cities])

    def cities_of(self, company: int) -> np.ndarray:
        return np.flatnonzero(self.city_company == company)


# --------------------------------------------------------------------------------------
# The small, rich dataset.


def generate(
    customers: int = 2000,
    years: float = 3,
    seed: int = 7,
    end: str | dt.date = DEFAULT_END,
) -> dict[str, pd.DataFrame]:
    """Generate a realistic customer database with every table of the data model.

    Buyers follow a buy-till-you-die process as in BG/NBD: each has a Poisson purchase rate
    drawn from a gamma distribution and drops out after any repeat purchase with a
    probability drawn from a beta distribution; an unresolved complaint makes dropping out
    more likely. New customers are acquired throughout the period. Purchases follow a
    seasonal pattern with a dip around Chinese New Year (real dates) and quiet weekends.
    About 12% of the customers are prospects (no orders) with MAN attributes covering all
    eight combinations.

    Parameters
    ----------
    customers : int, default 2000
        Number of rows of ``customers`` (buyers and prospects).
    years : float, default 3
        Length of the period that ends at ``end``.
    seed : int, default 7
        Seed of the random generator; the same arguments give the same frames.
    end : str or date, default "2026-06-30"
        Last day of the data: no event (order, follow-up, complaint...) falls after it.
        Protection deadlines and due dates may lie after it.

    Returns
    -------
    dict of str to pandas.DataFrame
        One frame per table of :mod:`workbench.schema`, in schema order, with exactly the
        schema's columns in schema order. Dates are ``datetime64[us]``, ids strings.

    Examples
    --------
    >>> tables = generate(customers=200, years=2, seed=1)
    >>> list(tables)[:3]
    ['customers', 'contacts', 'products']
    >>> bool(tables["orders"]["order_date"].max() <= pd.Timestamp("2026-06-30"))
    True
    """
    if customers < 20:
        raise ValueError(f"customers={customers} is too small for a sample; use at least 20")
    if years <= 0:
        raise ValueError(f"years={years} must be positive")
    return _Builder(customers, years, seed, end).build()


class _Builder:
    """State shared while the tables of one sample are built (internal)."""

    def __init__(self, customers: int, years: float, seed: int, end) -> None:
        self.rng = np.random.default_rng(seed)
        self.n = int(customers)
        self.t1 = _day(end)
        self.t0 = self.t1 - int(round(365.25 * years)) + 1
        self.grid = np.arange(self.t0, self.t1 + 1)
        self.season = _season(self.grid)
        self.org = _Org()

    # ---- helpers -------------------------------------------------------------------
    def _clip_end(self, days: np.ndarray) -> np.ndarray:
        return np.minimum(days, self.t1)

    def _uniform_days(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Integer days uniformly in [lo, hi] (element-wise)."""
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.maximum(np.asarray(hi, dtype=np.int64), lo)
        return lo + np.floor(self.rng.random(lo.shape) * (hi - lo + 1)).astype(np.int64)

    # ---- main ----------------------------------------------------------------------
    def build(self) -> dict[str, pd.DataFrame]:
        self._customers()
        self._purchases()
        self._lost_and_won_back()
        tables = {
            "customers": self._customer_table(),
            "contacts": self._contacts(),
            "products": self._products(),
            "orders": self._orders(),
        }
        tables["follow_ups"] = self._follow_ups()
        tables["requirements"] = self._requirements()
        tables["opportunities"] = self._opportunities()
        tables["receivables"] = self._receivables(tables["orders"])
        tables["complaints"] = self._complaint_table()
        tables["campaigns"] = self._campaigns()
        tables["lost_reasons"] = self._lost_table()
        return {name: _conform(name, tables[name]) for name in TABLES}

    # ---- customers -----------------------------------------------------------------
    def _customers(self) -> None:
        rng, n = self.rng, self.n
        n_prospect = max(8, int(round(0.12 * n)))
        nb = n - n_prospect
        span = self.t1 - self.t0 + 1
        x = np.arange(span) / span
        # Acquisition: a launch cohort in the first quarter, then a growing inflow.
        w_acq = self.season * (1.0 + 0.8 * x)
        w_acq[: min(120, span)] *= 4.0
        first = self.t0 + _sample_days(rng, w_acq, nb)
        w_pro = 1.0 + 2.0 * x
        pro_day = self.t0 + _sample_days(rng, w_pro, n_prospect)
        is_prospect = np.r_[np.zeros(nb, bool), np.ones(n_prospect, bool)]
        # Most buyers entered the database shortly before buying; a third were leads for
        # months or years before they converted.
        lead_time = np.where(
            rng.random(nb) < 0.33, rng.integers(30, 730, nb), rng.integers(0, 90, nb)
        )
        created = np.r_[first - lead_time, pro_day]
        # Per-buyer behaviour: spend level, purchase rate (per year), dropout probability.
        spend = np.round(rng.lognormal(0.0, 1.2, n), 4)
        lam = np.round(rng.gamma(1.1, 3.6, n) * spend**0.4, 4)
        pdrop = np.round(rng.beta(1.0, 12.0, n), 4).clip(0.001, 1.0)
        complain = np.round(0.02 * rng.gamma(1.0, 1.0, n), 4)
        # Micro buyers (small shops): frequent, tiny orders of cheap consumables.
        micro = (rng.random(n) < 0.15) & np.r_[np.ones(nb, bool), np.zeros(n_prospect, bool)]
        spend = np.where(micro, np.round(rng.uniform(0.01, 0.15, n), 4), spend)
        lam = np.where(micro, np.round(rng.gamma(2.0, 4.0, n), 4), lam)
        pdrop = np.where(micro, np.round(rng.beta(1.0, 8.0, n), 4).clip(0.001, 1.0), pdrop)
        # One-off projects: big customers who buy once or twice (e.g. a hospital's ERP).
        oneoff = (
            (rng.random(n) < 0.09) & ~micro & np.r_[np.ones(nb, bool), np.zeros(n_prospect, bool)]
        )
        spend = np.where(oneoff, np.round(rng.lognormal(1.3, 0.5, n), 4), spend)
        lam = np.where(oneoff, np.round(rng.gamma(1.0, 0.3, n), 4), lam)
        # Sort by creation date so that customer numbers grow with time.
        order = np.lexsort((np.arange(n), created))
        self.is_prospect = is_prospect[order]
        self.created = created[order]
        self.first = np.where(self.is_prospect, -1, np.r_[first, np.zeros(n_prospect, int)][order])
        self.spend = spend[order]
        self.lam = lam[order]
        self.pdrop = pdrop[order]
        self.complain = complain[order]
        self.micro = micro[order]
        self.ids = _ids("C", n, max(5, len(str(n))))
        rank = np.argsort(np.argsort(-self.spend, kind="stable"), kind="stable") / n
        self.scale = np.where(rank < 0.15, 2, np.where(rank < 0.5, 1, 0))  # 2 large, 0 small

    def _purchases(self) -> None:
        """Simulate purchase days (BG/NBD with seasonal thinning) and complaints."""
        rng, t1 = self.rng, self.t1
        buyers = np.flatnonzero(~self.is_prospect)
        smax = self.season.max()
        first = self.first[buyers]
        rate = self.lam[buyers] / 365.25 * smax
        n_cand = rng.poisson(rate * (t1 - first + 1))
        cust = np.repeat(buyers, n_cand)
        lo = np.repeat(first, n_cand)
        day = lo + np.floor(rng.random(cust.size) * (t1 - lo + 1)).astype(np.int64)
        keep = rng.random(cust.size) < self.season[day - self.t0] / smax
        cust = np.r_[buyers, cust[keep]]
        day = np.r_[first, day[keep]]
        o = np.lexsort((day, cust))
        cust, day = cust[o], day[o]
        uniq = np.r_[True, (cust[1:] != cust[:-1]) | (day[1:] != day[:-1])]
        cust, day = cust[uniq], day[uniq]
        start = np.searchsorted(cust, cust, side="left")
        rank = np.arange(cust.size) - start  # 0 = first purchase
        # Dropout after the J-th repeat purchase, J ~ Geometric(p).
        j = rng.geometric(self.pdrop)
        alive = rank <= j[cust]
        # Complaints: some after a purchase; an unresolved one may end the relationship.
        comp = rng.random(cust.size) < self.complain[cust]
        resolved = rng.random(cust.size) < 0.7
        fatal = comp & ~resolved & (rng.random(cust.size) < 0.6) & alive
        cut = np.full(self.n, np.iinfo(np.int64).max)
        np.minimum.at(cut, cust[fatal], rank[fatal])
        keep = alive & (rank <= cut[cust])
        n_rep_possible = np.bincount(cust, minlength=self.n) - 1
        self.dead = (n_rep_possible >= j) | (cut < np.iinfo(np.int64).max)
        self.dead &= ~self.is_prospect
        cdelay = rng.integers(1, 21, cust.size)
        cmask = comp & keep & (day + cdelay <= t1)
        self.complaints = (cust[cmask], day[cmask] + cdelay[cmask], resolved[cmask])
        self.p_cust, self.p_day = cust[keep], day[keep]

    def _lost_and_won_back(self) -> None:
        rng, t1 = self.rng, self.t1
        last = np.full(self.n, -1, dtype=np.int64)
        np.maximum.at(last, self.p_cust, self.p_day)
        unresolved = np.zeros(self.n, bool)
        unresolved[self.complaints[0][~self.complaints[2]]] = True
        cand = np.flatnonzero(self.dead & (last >= 0) & (last <= t1 - 365))
        cand = cand[rng.random(cand.size) < 0.7]
        lost_date = last[cand] + rng.integers(90, 365, cand.size)
        p_base = np.asarray(_LOST_P)
        p_poor = np.array([0.6, 0.15, 0.1, 0.05, 0.05, 0.05])
        reason = np.array(
            [
                rng.choice(6, p=p_poor if unresolved[c] else p_base / p_base.sum())
                for c in cand.tolist()
            ],
            dtype=np.int64,
        )
        attempted = rng.random(cand.size) < 0.45
        back_day = lost_date + rng.integers(14, 120, cand.size)
        won = attempted & (rng.random(cand.size) < 0.3) & (back_day <= t1)
        self.lost = (cand, lost_date, reason, attempted, won)
        self.p_cust = np.r_[self.p_cust, cand[won]]
        self.p_day = np.r_[self.p_day, back_day[won]]
        o = np.lexsort((self.p_cust, self.p_day))
        self.p_cust, self.p_day = self.p_cust[o], self.p_day[o]
        self.last = np.full(self.n, -1, dtype=np.int64)
        np.maximum.at(self.last, self.p_cust, self.p_day)

    def _customer_table(self) -> pd.DataFrame:
        rng, n, org = self.rng, self.n, self.org
        company = rng.choice(len(_COMPANIES), size=n, p=org.company_p)
        city = np.array([rng.choice(org.cities_of(c)) for c in company.tolist()])
        kind = np.where(self.scale == 2, rng.random(n) < 0.2, rng.random(n) < 0.8).astype(int)
        dept = company * len(_DEPT_KINDS) + kind
        owner = dept * 3 + rng.integers(0, 3, n)
        ind = rng.integers(0, len(_INDUSTRIES), n)
        names, seen = [], set()
        for i in range(n):
            for attempt in range(50):
                b = _BRANDS[rng.integers(len(_BRANDS))]
                word = _INDUSTRIES[ind[i]][2][rng.integers(len(_INDUSTRIES[ind[i]][2]))]
                suffix = ("有限公司", "股份有限公司", "集团有限公司")[
                    min(int(self.scale[i]), int(rng.integers(0, 3)))
                ]
                name = f"{org.cities[city[i]][2]}{b}{word}{suffix}"
                if attempt == 49:
                    name = f"{org.cities[city[i]][2]}{b}{word}{self.ids[i][-3:]}号{suffix}"
                if name not in seen:
                    break
            seen.add(name)
            names.append(name)
        prosperity = np.round(np.array([_INDUSTRIES[i][1] for i in ind]) + rng.normal(0, 4.0, n), 1)
        employees = np.where(
            self.scale == 2,
            rng.integers(1000, 20000, n),
            np.where(self.scale == 1, rng.integers(100, 1000, n), rng.integers(8, 100, n)),
        )
        source_i = rng.choice(len(LEAD_SOURCES), size=n, p=_LEAD_SOURCE_P)
        # Referrals point to a buyer created strictly earlier, more often to big spenders.
        wref = np.cumsum(np.where(self.is_prospect, 0.0, self.spend))
        prefix = np.searchsorted(self.created, self.created, side="left")  # created earlier
        referrer = np.full(n, "", dtype=object)
        u = rng.random(n)
        for i in np.flatnonzero(source_i == 1).tolist():
            k = prefix[i]
            if k == 0 or wref[k - 1] <= 0:
                source_i[i] = 2  # nobody to refer them yet: personal network
                continue
            referrer[i] = self.ids[int(np.searchsorted(wref[:k], u[i] * wref[k - 1], "right"))]
        # MAN: prospects cover all 8 combinations (the first 8 cycle through them).
        man = rng.random((n, 3)) < np.array([0.55, 0.5, 0.6])
        pros = np.flatnonzero(self.is_prospect)
        for k, i in enumerate(pros[:8].tolist()):
            man[i] = [(k >> 2) & 1, (k >> 1) & 1, k & 1]
        buyers = ~self.is_prospect
        man[buyers] = rng.random((int(buyers.sum()), 3)) < 0.93
        scale_f = np.array([1.0, 2.0, 4.0])[self.scale]
        acq = np.round(np.asarray(_LEAD_COST)[source_i] * scale_f * rng.lognormal(0.0, 0.3, n), 2)
        acq = np.where(self.is_prospect, np.nan, acq)
        founded = self.created - rng.integers(365, 365 * 30, n)
        roads = _pick(rng, _ROADS, n)
        dist = rng.integers(0, 3, n)
        numbers = rng.integers(1, 1200, n)
        legal = _person_names(rng, n, rng.random(n) < 0.25)
        phones = rng.integers(10_000_000, 99_999_999, n)
        self.company, self.city, self.dept, self.owner = company, city, dept, owner
        return pd.DataFrame(
            {
                "customer_id": self.ids,
                "name": names,
                "is_prospect": self.is_prospect,
                "created_date": _dates(self.created),
                "industry": [_INDUSTRIES[i][0] for i in ind],
                "prosperity_index": prosperity,
                "enterprise_type": _pick(rng, _ENTERPRISE_TYPES, n, _ENTERPRISE_TYPE_P),
                "ownership": _pick(rng, _OWNERSHIPS, n, _OWNERSHIP_P),
                "region": [org.cities[c][1] for c in city],
                "city": [org.cities[c][2] for c in city],
                "address": [
                    f"{org.cities[c][2]}市{org.cities[c][5][d]}{r}{num}号"
                    for c, d, r, num in zip(city, dist, roads, numbers, strict=True)
                ],
                "enterprise_code": [_uscc(rng, org.cities[c][4]) for c in city],
                "legal_representative": legal,
                "founded_date": _dates(founded),
                "business_scope": [_INDUSTRIES[i][3] for i in ind],
                "economic_scale": np.array(["small", "medium", "large"])[self.scale],
                "employees": employees.astype(np.int64),
                "phone": [f"{org.cities[c][3]}-{p}" for c, p in zip(city, phones, strict=True)],
                "email": [f"info.{i.lower()}@example.com" for i in self.ids],
                "source": np.array(LEAD_SOURCES)[source_i],
                "referrer_id": referrer,
                "owner": np.array(_SALESPEOPLE)[owner],
                "company": np.array(org.company_names)[company],
                "department": np.array(org.dept_names)[dept],
                "man_money": man[:, 0],
                "man_authority": man[:, 1],
                "man_need": man[:, 2],
                "acquisition_cost": acq,
            }
        )

    def _contacts(self) -> pd.DataFrame:
        rng, n = self.rng, self.n
        count = 1 + np.minimum(rng.poisson(np.array([0.8, 1.5, 2.5])[self.scale]), 5)
        cust = np.repeat(np.arange(n), count)
        m = cust.size
        start = np.r_[0, np.cumsum(count)[:-1]]
        pos = np.arange(m) - start[cust]
        role_i = rng.choice(5, size=m, p=[0.05, 0.2, 0.35, 0.3, 0.1])
        role_i = np.where(pos == 0, np.where(rng.random(m) < 0.65, 0, 1), role_i)
        female = rng.random(m) < 0.4
        titles = []
        for r in role_i.tolist():
            opts = _TITLES[CONTACT_ROLES[r]]
            titles.append(opts[rng.integers(len(opts))])
        birth = np.array(
            [_day(dt.date(int(y), 1, 1)) for y in rng.integers(1962, 1999, m)]
        ) + rng.integers(0, 365, m)
        self.contact_ids = _ids("CT", m, max(6, len(str(m))))
        self.contact_start, self.contact_count = start, count
        self.decision_maker = np.full(n, "", dtype=object)
        dm = np.flatnonzero(role_i == 0)[::-1]  # the first decision-maker of each customer
        self.decision_maker[cust[dm]] = self.contact_ids[dm]
        hob = rng.integers(0, len(_HOBBIES), (m, 2))
        return pd.DataFrame(
            {
                "contact_id": self.contact_ids,
                "customer_id": self.ids[cust],
                "name": _person_names(rng, m, female),
                "gender": np.where(female, "F", "M"),
                "birthday": _dates(birth),
                "department": [t[0] for t in titles],
                "title": [t[1] for t in titles],
                "role": np.array(CONTACT_ROLES)[role_i],
                "phone": [f"1{p}" for p in rng.integers(3_000_000_000, 9_999_999_999, m)],
                "email": [f"{c.lower()}@example.com" for c in self.contact_ids],
                "hobbies": [
                    _HOBBIES[a] if a == b else f"{_HOBBIES[a]}；{_HOBBIES[b]}"
                    for a, b in hob.tolist()
                ],
            }
        )

    def _products(self) -> pd.DataFrame:
        p = _PRODUCTS
        return pd.DataFrame(
            {
                "product_id": _ids("P", len(p), 3),
                "name": [x[0] for x in p],
                "category": [x[1] for x in p],
                "unit_price": [x[2] for x in p],
                "unit_cost": [x[3] for x in p],
                "usage_days": [x[4] for x in p],
            }
        )

    def _orders(self) -> pd.DataFrame:
        rng = self.rng
        cust, day = self.p_cust, self.p_day
        m = cust.size
        first = day == self.first[cust]
        nlines = rng.choice([1, 2, 3], size=m, p=[0.6, 0.3, 0.1])
        project = first & (self.scale[cust] == 2)  # a large customer's first order: a project
        nlines[project] = rng.choice([1, 2, 3], size=int(project.sum()), p=[0.2, 0.4, 0.4])
        nlines[self.micro[cust]] = 1
        # Each customer favours three consumables and re-buys them.
        cats = np.array([x[1] for x in _PRODUCTS])
        by_cat = [np.flatnonzero(cats == c) for c in _CATEGORIES]
        cheap = np.flatnonzero(
            (cats == "consumables") & (np.array([x[2] for x in _PRODUCTS]) < 160)
        )
        fav = np.stack(
            [rng.choice(cheap if mc else by_cat[0], 3, replace=False) for mc in self.micro]
        )
        o_line = np.repeat(np.arange(m), nlines)
        lc = cust[o_line]
        k = o_line.size
        u = rng.random(k)
        cum = np.where(
            first[o_line, None],
            np.cumsum(_CAT_FIRST, axis=1)[self.scale[lc]],
            np.cumsum(_CAT_LATER, axis=1)[self.scale[lc]],
        )
        cat = (u[:, None] * cum[:, -1:] >= cum).sum(axis=1).clip(0, 3)
        prod = np.empty(k, dtype=np.int64)
        for ci in range(4):
            sel = np.flatnonzero(cat == ci)
            prod[sel] = rng.choice(by_cat[ci], sel.size)
        cat[self.micro[lc]] = 0
        use_fav = ((cat == 0) & (rng.random(k) < 0.75)) | self.micro[lc]
        prod[use_fav] = fav[lc[use_fav], rng.integers(0, 3, int(use_fav.sum()))]
        # One line per product within an order.
        o = np.lexsort((prod, o_line))
        o_line, prod, lc = o_line[o], prod[o], lc[o]
        dup = np.r_[False, (o_line[1:] == o_line[:-1]) & (prod[1:] == prod[:-1])]
        o_line, prod, lc = o_line[~dup], prod[~dup], lc[~dup]
        k = o_line.size
        price = np.array([x[2] for x in _PRODUCTS])
        cost = np.array([x[3] for x in _PRODUCTS])
        base = np.array([x[5] for x in _PRODUCTS])
        qty = 1 + rng.poisson(base[prod] * self.spend[lc]).astype(np.float64)
        disc = np.array([0.0, 0.05, 0.12])[self.scale[lc]]
        amount = np.round(qty * price[prod] * (1 - disc), 2)
        lcost = np.round(qty * cost[prod], 2)
        # Salesperson: the owner, sometimes a colleague of the same department.
        sp = self.owner[lc].copy()
        other = rng.random(k) < 0.1
        sp[other] = self.dept[lc[other]] * 3 + rng.integers(0, 3, int(other.sum()))
        outlet = self.city[lc].copy()
        away = rng.random(k) < 0.12
        outlet[away] = [
            rng.choice(self.org.cities_of(int(self.company[c]))) for c in lc[away].tolist()
        ]
        lines = pd.DataFrame(
            {
                "_order": o_line,
                "customer_idx": lc,
                "day": day[o_line],
                "product": prod,
                "quantity": qty,
                "amount": amount,
                "cost": lcost,
                "sp": sp,
                "outlet": outlet,
                "is_return": False,
            }
        )
        # Returns: a later order giving back part of one line.
        ret_ord = np.flatnonzero(rng.random(m) < 0.03)
        first_line = np.searchsorted(o_line, ret_ord, "left")
        src = lines.iloc[first_line]
        rday = src["day"].to_numpy() + rng.integers(3, 31, ret_ord.size)
        ok = rday <= self.t1
        src = src[ok]
        rq = -np.ceil(rng.random(int(ok.sum())) * src["quantity"].to_numpy())
        unit_amt = src["amount"].to_numpy() / src["quantity"].to_numpy()
        unit_cost = src["cost"].to_numpy() / src["quantity"].to_numpy()
        rets = src.assign(
            _order=m + np.arange(int(ok.sum())),
            day=rday[ok],
            quantity=rq,
            amount=np.round(rq * unit_amt, 2),
            cost=np.round(rq * unit_cost, 2),
            is_return=True,
        )
        lines = pd.concat([lines, rets], ignore_index=True)
        # Number orders by date, then customer, then generation order.
        heads = lines.groupby("_order", sort=True)[["day", "customer_idx"]].first()
        ho = np.lexsort((heads.index.to_numpy(), heads["customer_idx"].to_numpy(), heads["day"]))
        number = np.empty(len(heads), dtype=np.int64)
        number[ho] = np.arange(len(heads))
        lines["_num"] = number[np.searchsorted(heads.index.to_numpy(), lines["_order"])]
        lines = lines.sort_values(["_num", "product"], kind="stable").reset_index(drop=True)
        lines["line_no"] = lines.groupby("_num").cumcount() + 1
        oid = _ids("SO", len(heads), max(7, len(str(len(heads)))))
        self.order_lines = lines
        return pd.DataFrame(
            {
                "order_id": oid[lines["_num"].to_numpy()],
                "customer_id": self.ids[lines["customer_idx"].to_numpy()],
                "order_date": _dates(lines["day"].to_numpy()),
                "amount": lines["amount"].to_numpy(),
                "line_no": lines["line_no"].to_numpy().astype(np.int64),
                "product_id": _ids("P", len(_PRODUCTS), 3)[lines["product"].to_numpy()],
                "quantity": lines["quantity"].to_numpy(),
                "cost": lines["cost"].to_numpy(),
                "salesperson": np.array(_SALESPEOPLE)[lines["sp"].to_numpy()],
                "department": np.array(self.org.dept_names)[
                    self.org.sales_dept[lines["sp"].to_numpy()]
                ],
                "company": np.array(self.org.company_names)[
                    self.org.dept_company[self.org.sales_dept[lines["sp"].to_numpy()]]
                ],
                "outlet": np.array(self.org.outlets)[lines["outlet"].to_numpy()],
                "is_return": lines["is_return"].to_numpy(),
            }
        )

    def _contact_of(self, cust: np.ndarray) -> np.ndarray:
        """A random contact id of each customer in ``cust``."""
        pos = np.floor(self.rng.random(cust.size) * self.contact_count[cust]).astype(np.int64)
        return self.contact_ids[self.contact_start[cust] + pos]

    def _follow_ups(self) -> pd.DataFrame:
        rng, n, t1 = self.rng, self.n, self.t1
        never = rng.random(n) < 0.10
        lo = np.maximum(self.created, self.t0)
        hi = np.full(n, t1)
        hi = np.where(self.dead, np.minimum(t1, self.last + rng.integers(0, 240, n)), hi)
        neglected = rng.random(n) < 0.15
        hi = np.where(neglected, t1 - rng.integers(60, 400, n), hi)
        hi = np.maximum(hi, lo)
        rate = np.array([2.5, 4.0, 8.0])[self.scale] * np.where(self.is_prospect, 0.6, 1.0)
        count = np.where(never, 0, 1 + rng.poisson(rate * (hi - lo + 1) / 365.25))
        count = np.minimum(count, 40)
        cust = np.repeat(np.arange(n), count)
        day = self._uniform_days(lo[cust], hi[cust])
        o = np.lexsort((cust, day))
        cust, day = cust[o], day[o]
        m = cust.size
        sp = self.owner[cust].copy()
        other = rng.random(m) < 0.08
        sp[other] = rng.integers(0, len(_SALESPEOPLE), int(other.sum()))
        return pd.DataFrame(
            {
                "follow_up_id": _ids("FU", m, max(6, len(str(m)))),
                "customer_id": self.ids[cust],
                "date": _dates(day),
                "channel": _pick(rng, _FU_CHANNELS, m, _FU_CHANNEL_P),
                "salesperson": np.array(_SALESPEOPLE)[sp],
                "contact_id": self._contact_of(cust),
                "purpose": _pick(rng, _FU_PURPOSES, m),
                "outcome": _pick(rng, _FU_OUTCOMES, m),
            }
        )

    def _requirements(self) -> pd.DataFrame:
        rng, n, t1 = self.rng, self.n, self.t1
        has = rng.random(n) < 0.45
        count = np.where(has, 1 + rng.poisson(0.8, n), 0)
        cust = np.repeat(np.arange(n), count)
        day = self._uniform_days(np.maximum(self.created[cust], self.t0), np.full(cust.size, t1))
        o = np.lexsort((cust, day))
        cust, day = cust[o], day[o]
        m = cust.size
        frac = (day - self.t0) / max(1, t1 - self.t0)
        w = np.array([x[2] for x in _NEEDS])
        grows = np.array([x[3] for x in _NEEDS])
        need = np.empty(m, dtype=np.int64)
        u = rng.random(m)
        for i in range(m):
            wi = np.where(grows, w * (0.15 + 4.0 * frac[i] ** 2), w)
            cw = np.cumsum(wi)
            need[i] = min(int(np.searchsorted(cw, u[i] * cw[-1], "right")), len(_NEEDS) - 1)
        zh = rng.random(m) < 0.62
        texts = []
        for i in range(m):
            t = _NEEDS[need[i]]
            if zh[i]:
                texts.append(t[4][rng.integers(len(t[4]))] + _ZH_SUFFIX[rng.integers(7)])
            else:
                texts.append(t[5][rng.integers(len(t[5]))] + _EN_SUFFIX[rng.integers(7)])
        category = np.array([_NEEDS[i][1] for i in need], dtype=object)
        category[rng.random(m) < 0.2] = ""
        status_i = rng.choice(5, size=m, p=[0.3, 0.25, 0.15, 0.2, 0.1])
        decided = day + rng.integers(7, 120, m)
        undecided = (status_i == 0) | (decided > t1)
        status_i[undecided] = 0
        sp = self.owner[cust].copy()
        other = rng.random(m) < 0.2
        sp[other] = rng.integers(0, len(_SALESPEOPLE), int(other.sum()))
        return pd.DataFrame(
            {
                "requirement_id": _ids("RQ", m, max(5, len(str(m)))),
                "customer_id": self.ids[cust],
                "date": _dates(day),
                "description": texts,
                "source": _pick(rng, REQUIREMENT_SOURCES, m, _REQ_SOURCE_P),
                "type": [_NEEDS[i][0] for i in need],
                "category": category,
                "status": np.array(REQUIREMENT_STATUSES)[status_i],
                "decided_date": _dates(np.where(undecided, np.nan, decided)),
                "collected_by": np.array(_SALESPEOPLE)[sp],
                "branch": np.array(self.org.company_names)[self.company[cust]],
            }
        )

    def _opportunities(self) -> pd.DataFrame:
        rng, n, t1 = self.rng, self.n, self.t1
        p_has = np.where(self.is_prospect, 0.5, 0.3)
        count = np.where(rng.random(n) < p_has, 1 + (rng.random(n) < 0.25), 0)
        cust = np.repeat(np.arange(n), count)
        m = cust.size
        lo = np.maximum(self.created[cust], self.t0)
        created = self._uniform_days(lo, np.full(m, t1 - 3))
        o = np.lexsort((cust, created))
        cust, created = cust[o], created[o]
        age = t1 - created
        deadline = created + rng.integers(45, 181, m)
        # Open if young; old ones mostly closed, a few left open past their deadline.
        open_p = np.where(age < 150, 0.85, 0.12)
        is_open = rng.random(m) < open_p
        open_stage = rng.choice(4, size=m, p=[0.35, 0.3, 0.2, 0.15])
        won = (rng.random(m) < 0.45) & ~self.is_prospect[cust]
        stage_i = np.where(is_open, open_stage, np.where(won, 4, 5))
        closed = created + np.floor(rng.random(m) * np.minimum(age, 200)).astype(np.int64) + 1
        closed = np.minimum(closed, t1)
        amount = np.round(
            rng.lognormal(10.3, 0.9, m) * np.array([1.0, 2.0, 4.0])[self.scale[cust]], -2
        )
        budget = np.round(amount * rng.uniform(0.7, 1.3, m), -2)
        comp = rng.integers(0, len(_COMPETITORS), (m, 2))
        ncomp = rng.integers(0, 3, m)
        competitors = [
            ""
            if k == 0
            else _COMPETITORS[a]
            if k == 1 or a == b
            else f"{_COMPETITORS[a]};{_COMPETITORS[b]}"
            for (a, b), k in zip(comp.tolist(), ncomp.tolist(), strict=True)
        ]
        team_a = rng.integers(0, len(_SALESPEOPLE), m)
        return pd.DataFrame(
            {
                "opportunity_id": _ids("OP", m, max(5, len(str(m)))),
                "customer_id": self.ids[cust],
                "created_date": _dates(created),
                "stage": np.array(OPPORTUNITY_STAGES)[stage_i],
                "need": _pick(rng, _OPP_NEEDS, m),
                "amount": amount,
                "budget": budget,
                "purchase_period": _pick(rng, _OPP_PERIODS, m),
                "decision_maker": self.decision_maker[cust],
                "decision_route": _pick(rng, _OPP_ROUTES, m),
                "competitors": competitors,
                "owner": np.array(_SALESPEOPLE)[self.owner[cust]],
                "team": [
                    f"售前：{_SALESPEOPLE[a]}；实施：{_SALESPEOPLE[(a + 7) % 24]}" for a in team_a
                ],
                "protection_deadline": _dates(deadline),
                "closed_date": _dates(np.where(is_open, np.nan, closed)),
            }
        )

    def _receivables(self, orders: pd.DataFrame) -> pd.DataFrame:
        rng, t1 = self.rng, self.t1
        lines = self.order_lines[~self.order_lines["is_return"]]
        g = lines.groupby("_num", sort=True).agg(
            amount=("amount", "sum"),
            cust=("customer_idx", "first"),
            day=("day", "first"),
            product=("product", "first"),
            sp=("sp", "first"),
        )
        g = g[g["amount"] >= 3000]
        m = len(g)
        cust = g["cust"].to_numpy()
        issue = g["day"].to_numpy()
        due = issue + rng.choice([30, 60, 90], size=m, p=[0.5, 0.35, 0.15])
        amount = np.round(g["amount"].to_numpy(), 2)
        reliability = rng.beta(12, 1.2, self.n)[cust]
        paid_full = rng.random(m) < np.where(due <= t1, reliability, 0.35 * reliability)
        part = np.round(amount * np.floor(rng.random(m) * 10) / 10, 2)
        paid = np.where(paid_full, amount, part)
        cats = np.array([x[1] for x in _PRODUCTS])[g["product"].to_numpy()]
        return pd.DataFrame(
            {
                "invoice_id": _ids("INV", m, max(6, len(str(m)))),
                "customer_id": self.ids[cust],
                "issue_date": _dates(issue),
                "due_date": _dates(due),
                "amount": amount,
                "paid_amount": paid,
                "project": [
                    f"{self.ids[c]}-{_PROJECT_KIND[k]}" for c, k in zip(cust, cats, strict=True)
                ],
                "owner": np.array(_SALESPEOPLE)[g["sp"].to_numpy()],
            }
        )

    def _complaint_table(self) -> pd.DataFrame:
        rng, t1 = self.rng, self.t1
        cust, day, resolved = self.complaints
        o = np.lexsort((cust, day))
        cust, day, resolved = cust[o], day[o], resolved[o]
        m = cust.size
        rdate = day + rng.integers(1, 30, m)
        resolved = resolved & (rdate <= t1)
        sat = np.where(resolved, rng.integers(3, 6, m), rng.integers(1, 3, m)).astype(float)
        return pd.DataFrame(
            {
                "complaint_id": _ids("CO", m, max(5, len(str(m)))),
                "customer_id": self.ids[cust],
                "date": _dates(day),
                "category": _pick(rng, _COMPLAINT_CATS, m),
                "outcome": np.where(resolved, "resolved", "unresolved"),
                "resolved_date": _dates(np.where(resolved, rdate, np.nan)),
                "satisfaction": sat,
            }
        )

    def _campaigns(self) -> pd.DataFrame:
        rng, t1 = self.rng, self.t1
        y0 = int(np.datetime64(self.t0, "D").astype("datetime64[Y]").astype(int)) + 1970
        y1 = int(np.datetime64(self.t1, "D").astype("datetime64[Y]").astype(int)) + 1970
        frames, k = [], 0
        for y in range(y0, y1 + 1):
            for month, dday, channel, approach, (lo, hi) in _CAMPAIGNS:
                sent = _day(dt.date(y, month, dday))
                if sent < self.t0 or sent > t1 - 14:
                    continue
                exists = np.flatnonzero(self.created <= sent)
                buyer = exists[(self.first[exists] >= 0) & (self.first[exists] <= sent)]
                if approach == "mass":
                    target = exists
                elif approach == "information":
                    target = exists[rng.random(exists.size) < 0.6]
                elif approach == "differentiated":
                    target = buyer[rng.random(buyer.size) < 0.5]
                else:  # relationship: the biggest spenders, invited to the member meeting
                    top = np.argsort(-self.spend[buyer], kind="stable")
                    target = np.sort(buyer[top[: max(5, buyer.size // 10)]])
                if target.size == 0:
                    continue
                k += 1
                rate = rng.uniform(lo, hi)
                resp = rng.random(target.size) < rate
                sent_d = sent + rng.integers(0, 3, target.size)
                rdate = sent_d + rng.integers(0, 15, target.size)
                resp &= rdate <= t1
                frames.append(
                    pd.DataFrame(
                        {
                            "campaign_id": f"CA{k:03d}",
                            "customer_id": self.ids[target],
                            "sent_date": _dates(sent_d),
                            "channel": channel,
                            "approach": approach,
                            "responded": resp,
                            "response_date": _dates(np.where(resp, rdate, np.nan)),
                        }
                    )
                )
        return pd.concat(frames, ignore_index=True)

    def _lost_table(self) -> pd.DataFrame:
        rng = self.rng
        cand, lost_date, reason, attempted, won = self.lost
        o = np.argsort(cand, kind="stable")
        cand, lost_date, reason, attempted, won = (
            a[o] for a in (cand, lost_date, reason, attempted, won)
        )
        notes = [_LOST_NOTES[LOST_REASONS[r]][rng.integers(2)] for r in reason.tolist()]
        return pd.DataFrame(
            {
                "customer_id": self.ids[cand],
                "lost_date": _dates(lost_date),
                "reason": np.array(LOST_REASONS)[reason],
                "note": notes,
                "win_back_attempted": attempted,
                "won_back": won,
            }
        )


def _conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Order the columns as the schema does and give each its dtype."""
    spec = TABLES[name]
    out = {}
    for col in spec.columns:
        s = df[col.name]
        if col.dtype == "str":
            s = s.astype("str")
        elif col.dtype == "date":
            s = s.astype("datetime64[us]")
        elif col.dtype == "float":
            s = s.astype("float64")
        elif col.dtype == "int":
            s = s.astype("int64")
        elif col.dtype == "bool":
            s = s.astype(bool)
        out[col.name] = s.to_numpy() if col.dtype != "str" else s
    return pd.DataFrame(out).reset_index(drop=True)


# --------------------------------------------------------------------------------------
# CSV output.

_DECIMALS = {"prosperity_index": 1, "quantity": 0, "usage_days": 0, "satisfaction": 0}


def _format_column(s: pd.Series, dtype: str, name: str) -> list[str]:
    """Format one column as text: ISO dates, fixed decimals, ``true``/``false``."""
    if dtype == "date":
        d = s.to_numpy().astype("datetime64[D]")
        return ["" if np.isnat(v) else str(v) for v in d]
    if dtype == "float":
        d = _DECIMALS.get(name, 2)
        return ["" if np.isnan(v) else f"{v:.{d}f}" for v in s.to_numpy(dtype=np.float64)]
    if dtype == "int":
        return [str(int(v)) for v in s.to_numpy()]
    if dtype == "bool":
        return ["true" if bool(v) else "false" for v in s.to_numpy()]
    return ["" if pd.isna(v) else str(v) for v in s.tolist()]


def write(out_dir: str | Path, **kwargs) -> list[Path]:
    r"""Generate the sample and write one UTF-8 CSV per table into ``out_dir``.

    The bytes depend only on the arguments: ISO dates (``YYYY-MM-DD``), fixed decimals
    (two for money), booleans as ``true``/``false``, empty fields for missing values,
    ``\n`` line endings.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Folder to write into (created if missing); existing table files are replaced.
    **kwargs
        Arguments of :func:`generate` (``customers``, ``years``, ``seed``, ``end``).

    Returns
    -------
    list of pathlib.Path
        The files written, one per table, in schema order.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = write(d, customers=100, years=1)
    >>> [p.name for p in paths][:2]
    ['customers.csv', 'contacts.csv']
    """
    return _write_tables(out_dir, generate(**kwargs))


def _write_tables(out_dir: str | Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write generated tables as CSV (the formatting of :func:`write`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        spec = TABLES[name]
        text = pd.DataFrame(
            {c.name: _format_column(df[c.name], c.dtype, c.name) for c in spec.columns},
            dtype=object,
        )
        path = out / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            text.to_csv(fh, index=False, lineterminator="\n")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------
# Large order logs for benchmarks.

_ORDER_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_id", pa.string()),
        ("order_date", pa.timestamp("us")),
        ("amount", pa.float64()),
        ("line_no", pa.int64()),
        ("product_id", pa.string()),
        ("quantity", pa.float64()),
        ("cost", pa.float64()),
        ("salesperson", pa.string()),
        ("department", pa.string()),
        ("company", pa.string()),
        ("outlet", pa.string()),
        ("is_return", pa.bool_()),
    ]
)


def _fixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded ids as an Arrow string array, built from bytes without Python loops."""
    n = numbers.size
    p = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    size = p.size + width
    buf = np.empty((n, size), dtype=np.uint8)
    buf[:, : p.size] = p
    x = numbers.astype(np.int64)
    j = size
    while j > p.size:  # four digits at a time through a lookup table
        k = min(4, j - p.size)
        buf[:, j - k : j] = _DIGITS4[x % 10_000][:, 4 - k :]
        x = x // 10_000
        j -= k
    offsets = np.arange(n + 1, dtype=np.int32) * size
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))


def _take_strings(values: list[str], idx: np.ndarray) -> pa.Array:
    """``values[idx]`` as a plain Arrow string array (few distinct values)."""
    codes = pa.array(idx.astype(np.int32))
    return pa.DictionaryArray.from_arrays(codes, pa.array(values, pa.string())).cast(pa.string())


_DIGITS4 = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), np.uint8).reshape(
    -1, 4
)


class _Population:
    """Customers of a large order log: weights, lifetimes, spend and their organisation."""

    def __init__(self, n_customers: int, seed: int, t0: int, t1: int) -> None:
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
        org = _Org()
        n = n_customers
        self.t0, self.t1 = t0, t1
        grid = np.arange(t0, t1 + 1)
        season = _season(grid)
        self.cum_season = np.r_[0.0, np.cumsum(season)]
        x = np.arange(grid.size) / grid.size
        w_acq = season * (1.0 + 0.8 * x)
        w_acq[:120] *= 4.0
        self.birth = _sample_days(rng, w_acq, n)  # index into grid
        life = np.floor(rng.exponential(900.0, n)).astype(np.int64)
        self.last = np.minimum(self.birth + life, grid.size - 1)
        rate = rng.gamma(0.9, 1.0, n)
        self.spend = np.round(rng.lognormal(0.0, 0.9, n), 4)
        w = rate * (self.cum_season[self.last + 1] - self.cum_season[self.birth])
        self.cum_w = np.cumsum(w)
        company = rng.choice(len(_COMPANIES), size=n, p=org.company_p)
        city_idx = np.stack([org.cities_of(c)[0] for c in range(len(_COMPANIES))])
        n_cities = np.array([org.cities_of(c).size for c in range(len(_COMPANIES))])
        self.outlet = city_idx[company] + rng.integers(0, 2**31, n) % n_cities[company]
        rank = np.argsort(np.argsort(-self.spend, kind="stable"), kind="stable") / n
        self.scale = np.where(rank < 0.15, 2, np.where(rank < 0.5, 1, 0))
        kind = np.where(self.scale == 2, 0, 1)
        self.dept = company * len(_DEPT_KINDS) + kind
        self.owner = self.dept * 3 + rng.integers(0, 3, n)
        self.fav = rng.integers(0, 12, (n, 3))  # consumables are products 0..11
        self.width = max(7, len(str(n)))
        self.org = org


def _orders_chunk(
    pop: _Population, rng: np.random.Generator, n_rows: int, first_order: int, width: int
) -> tuple[pa.Table, int]:
    """One chunk of a large order log and the number of orders it used."""
    est = int(n_rows / 1.4) + 64
    sizes = rng.choice(np.array([1, 2, 3]), size=est, p=[0.65, 0.28, 0.07])
    while sizes.sum() < n_rows:
        sizes = np.r_[sizes, rng.choice(np.array([1, 2, 3]), size=est)]
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, n_rows, "left")) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= int(cum[k - 1] - n_rows)
    # Sorted queries make the search cache-friendly; the permutation restores randomness.
    q = np.sort(rng.random(k)) * pop.cum_w[-1]
    cust = np.searchsorted(pop.cum_w, q, side="right").clip(0, pop.cum_w.size - 1)
    cust = cust[rng.permutation(k)]
    lo = pop.cum_season[pop.birth[cust]]
    hi = pop.cum_season[pop.last[cust] + 1]
    day = np.searchsorted(pop.cum_season, lo + rng.random(k) * (hi - lo), side="right") - 1
    day = np.clip(day, pop.birth[cust], pop.last[cust])
    o = np.argsort(day, kind="stable")
    cust, day, sizes = cust[o], day[o], sizes[o]
    order_no = first_order + np.arange(k)
    row_order = np.repeat(np.arange(k), sizes)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    line_no = np.arange(n_rows) - starts[row_order] + 1
    lc = cust[row_order]
    u = rng.random(n_rows)
    cum = np.cumsum(_CAT_LATER, axis=1)[pop.scale[lc]]
    cat = (u[:, None] * cum[:, -1:] >= cum).sum(axis=1).clip(0, 3)
    cats = np.array([x[1] for x in _PRODUCTS])
    by_cat = [np.flatnonzero(cats == c) for c in _CATEGORIES]
    prod = np.empty(n_rows, dtype=np.int64)
    for ci in range(4):
        sel = cat == ci
        prod[sel] = by_cat[ci][rng.integers(0, by_cat[ci].size, int(sel.sum()))]
    fav = (cat == 0) & (rng.random(n_rows) < 0.75)
    prod[fav] = pop.fav[lc[fav], rng.integers(0, 3, int(fav.sum()))]
    price = np.array([x[2] for x in _PRODUCTS])
    ucost = np.array([x[3] for x in _PRODUCTS])
    base = np.array([x[5] for x in _PRODUCTS])
    qty = 1.0 + rng.poisson(base[prod] * pop.spend[lc])
    ret = rng.random(n_rows) < 0.02
    qty[ret] = -qty[ret]
    disc = np.array([0.0, 0.05, 0.12])[pop.scale[lc]]
    amount = np.round(qty * price[prod] * (1.0 - disc), 2)
    cost = np.round(qty * ucost[prod], 2)
    sp = pop.owner[lc]
    org = pop.org
    dept = org.sales_dept[sp]
    ts = (pop.t0 + day[row_order]).astype(np.int64) * 86_400_000_000
    table = pa.Table.from_arrays(
        [
            _fixed_ids("SO", order_no[row_order], width),
            _fixed_ids("C", lc + 1, pop.width),
            pa.array(ts, type=pa.timestamp("us")),
            pa.array(amount),
            pa.array(line_no.astype(np.int64)),
            _take_strings(_ids("P", len(_PRODUCTS), 3).tolist(), prod),
            pa.array(qty),
            pa.array(cost),
            _take_strings(list(_SALESPEOPLE), sp),
            _take_strings(org.dept_names, dept),
            _take_strings(org.company_names, org.dept_company[dept]),
            _take_strings(org.outlets, pop.outlet[lc]),
            pa.array(ret),
        ],
        schema=_ORDER_SCHEMA,
    )
    return table, k


def _chunks(
    n_orders: int,
    n_customers: int | None,
    seed: int,
    end,
    years: float,
    chunk_rows: int,
):
    """Yield the chunks of a large order log (generator of pyarrow Tables)."""
    if n_orders < 0:
        raise ValueError(f"n_orders={n_orders} must be non-negative")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows={chunk_rows} must be positive")
    n_customers = n_customers or max(1, round(n_orders / 28))
    t1 = _day(end)
    t0 = t1 - int(round(365.25 * years)) + 1
    pop = _Population(int(n_customers), seed, t0, t1)
    width = max(8, len(str(n_orders)))
    done, next_order, i = 0, 1, 0
    while done < n_orders:
        rows = min(chunk_rows, n_orders - done)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 1, i]))
        table, k = _orders_chunk(pop, rng, rows, next_order, width)
        yield table
        done += rows
        next_order += k
        i += 1


def generate_orders(
    n_orders: int,
    n_customers: int | None = None,
    seed: int = 0,
    end: str | dt.date = DEFAULT_END,
    *,
    years: float = 3,
    chunk_rows: int = 1_000_000,
) -> pa.Table:
    """Generate a large order log (order lines) for benchmarks, vectorised.

    Customers have heavy-tailed purchase rates and spend, a lifetime inside the period
    and a home outlet and salesperson; dates follow the seasonal pattern of
    :func:`generate` (Chinese New Year dip, quiet weekends). About 2% of lines are returns
    (``is_return``, negative quantity and amount). Lines are generated in chunks of
    ``chunk_rows``; within a chunk orders are numbered in date order.

    Parameters
    ----------
    n_orders : int
        Number of rows (order lines) to generate.
    n_customers : int, optional
        Number of distinct customers; default ``n_orders / 28``.
    seed : int, default 0
        Seed; the same arguments give the same table.
    end : str or date, default "2026-06-30"
        Last order date.
    years : float, default 3
        Length of the period.
    chunk_rows : int, default 1,000,000
        Rows per generated chunk (part of the result's identity: the same ``chunk_rows``
        gives the same rows as :func:`write_orders_parquet`).

    Returns
    -------
    pyarrow.Table
        The columns of the ``orders`` table; ``order_date`` is ``timestamp[us]``
        (``to_pandas()`` gives ``datetime64[us]``).

    Examples
    --------
    >>> t = generate_orders(1000, seed=1)
    >>> t.num_rows, t.column_names[:3]
    (1000, ['order_id', 'customer_id', 'order_date'])
    """
    parts = list(_chunks(n_orders, n_customers, seed, end, years, chunk_rows))
    if not parts:
        return _ORDER_SCHEMA.empty_table()
    return pa.concat_tables(parts)


def write_orders_parquet(
    path: str | Path,
    n_orders: int,
    n_customers: int | None = None,
    seed: int = 0,
    end: str | dt.date = DEFAULT_END,
    *,
    years: float = 3,
    chunk_rows: int = 1_000_000,
    row_group_size: int = 1_000_000,
    compression: str = "zstd",
    on_chunk: Callable[[int], None] | None = None,
) -> Path:
    """Write a large order log to Parquet in chunks, never holding it all in memory.

    Parameters
    ----------
    path : str or pathlib.Path
        Parquet file to write (its folder is created if missing).
    n_orders : int
        Number of rows (order lines); 100 million is fine, memory stays about one chunk.
    n_customers : int, optional
        Number of distinct customers; default ``n_orders / 28``.
    seed : int, default 0
        Seed; the rows equal ``generate_orders`` with the same arguments.
    end : str or date, default "2026-06-30"
        Last order date.
    years : float, default 3
        Length of the period.
    chunk_rows : int, default 1,000,000
        Rows generated at a time.
    row_group_size : int, default 1,000,000
        Maximum rows per Parquet row group.
    compression : str, default "zstd"
        Parquet compression codec.
    on_chunk : callable, optional
        Called with the number of rows after each chunk is written (for a progress bar).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pyarrow.parquet as pq
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_orders_parquet(Path(d) / "orders.parquet", 5000, seed=2)
    ...     pq.read_metadata(p).num_rows
    5000
    """
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, _ORDER_SCHEMA, compression=compression) as writer:
        for table in _chunks(n_orders, n_customers, seed, end, years, chunk_rows):
            writer.write_table(table, row_group_size=row_group_size)
            if on_chunk is not None:
                on_chunk(table.num_rows)
    return path
