"""Phrase tables of the *training* corpus of hardship messages (tools/hardship_corpus.py composes them).

The held-out file (data/hardship_messages/heldout.jsonl) was written by hand, separately, and never reads these
tables. Each class lists causes in Simplified Chinese (colloquial, some typos, pinyin, abbreviations), English
and mixed zh/en, plus short noun phrases used in negations ("not because ...") and second causes.
"""

from __future__ import annotations

CLASSES = (
    "job_loss_or_pay_cut",
    "illness_or_injury",
    "epidemic_or_lockdown",
    "business_failure",
    "family_event",
    "disaster",
    "merchant_dispute",
    "fraud_or_identity_theft",
    "other",
)
FLAGS = ("serious_illness", "bereavement", "elderly", "student")

# class -> language -> cause sentences (the reason the customer gives).
CAUSES: dict[str, dict[str, list[str]]] = {
    "job_loss_or_pay_cut": {
        "zh": [
            "我被公司裁员了", "下岗了", "工作丢了", "上个月被辞退了", "公司把我开了", "失业两个月了",
            "厂里不要人了，我被裁了", "公司优化，我在名单里", "合同到期没续签", "工资被砍了一半",
            "这几个月只发基本工资", "老板拖欠工资三个月了", "降薪了，到手才两千多", "绩效没了，收入少了很多",
            "工地停工，没活干", "单位欠薪，一直没发", "被炒鱿鱼了", "现在待业在家", "找了两个月工作还没找到",
            "厂子减产，我们轮流放假，没工资", "sy了，没收入", "公司裁员裁到我头上了", "被劝退了",
            "试用期没过，被辞了", "工厂搬走了，我没跟过去，现在没工作", "跑滴滴的单子少了一大半，收入腰斩",
            "公司降薪百分之三十", "提成没了，底薪才1800", "外卖站点撤了，我没活干了", "被公司N+1了",
            "我们部门整个被砍掉了", "今年没奖金，工资还降了", "老板跑路了，工资都没结", "失业中，正在找工作",
            "mei gongzuo le", "xiagang le", "工作没了，房租都交不起", "公司倒闭了我也失业了", "干了五年被裁",
            "工资晚发两个月了", "加班费取消了，工资少了一截", "停薪留职，没有收入",
        ],
        "en": [
            "I was laid off last month", "I lost my job", "my company let me go", "I got fired two weeks ago",
            "I've been made redundant", "my hours were cut in half", "they cut my salary by 30%",
            "my contract ended and wasn't renewed", "I'm unemployed right now", "my employer hasn't paid me in two months",
            "the factory closed and everyone got laid off", "I was let go during restructuring",
            "my pay was reduced", "I'm between jobs", "still looking for work after being laid off",
            "I got terminated from my job", "my shifts were cut and I barely get 20 hours a week",
            "no more overtime so my paycheck is way smaller", "my boss stopped paying wages",
            "I lost my job and haven't found a new one", "I got sacked", "my position was eliminated",
            "company downsizing, I was on the list", "my income dropped a lot after a pay cut",
            "they furloughed me without pay", "job loss", "laid off", "I lost my main source of income when my job ended",
            "my commission dried up and base pay is tiny", "the gig app cut my orders so I earn half what I used to",
            "got laid off from the warehouse", "my temp contract finished early", "I'm out of work",
        ],
        "mix": [
            "公司layoff了", "被fire了", "salary砍了一半", "我被lay off了", "job没了", "现在unemployed",
            "公司downsizing我被裁了", "income少了很多，降薪了", "老板不发salary", "contract没续，失业了",
            "被laid off了，income没了", "我的job丢了",
        ],
    },
    "illness_or_injury": {
        "zh": [
            "我生病住院了", "最近身体不好，一直在看病", "出车祸腿断了", "干活的时候摔伤了，休息三个月",
            "做了个手术，花了好多钱", "孩子生病住院，钱都花在医药费上了", "我老婆怀孕有并发症住院",
            "得了肺炎住了半个月院", "腰椎间盘突出，干不了活", "骨折了，打着石膏上不了班", "胃出血住院",
            "看病花光了积蓄", "医药费太贵了", "身体出了毛病，一直吃药", "工伤了，厂里不赔", "眼睛做手术",
            "抑郁症复发，没法工作", "我爸住院，天天在医院陪护，医药费都是我出", "牙齿治疗花了一万多",
            "发高烧住院好几天", "脚扭伤了，送不了外卖", "手被机器压伤了", "生了场大病", "病了一个月没上班",
            "医院的账单太多了", "在医院躺着呢", "宝宝住NICU，每天好几千", "做胆结石手术", "shengbing le",
            "我妈摔了一跤髋骨骨折要做手术", "身体垮了，医生让我休息", "住院期间没收入",
        ],
        "en": [
            "I was in the hospital for two weeks", "I got sick and couldn't work", "I broke my leg in an accident",
            "I had surgery and the medical bills are huge", "my son has been ill and I'm paying for his treatment",
            "I hurt my back at work", "I was injured in a car crash", "medical expenses ate all my savings",
            "I've been on sick leave", "I had pneumonia", "my wife had complications with her pregnancy",
            "my health has been bad lately", "I'm recovering from an operation", "hospital bills",
            "I had a workplace injury", "my depression got worse and I couldn't keep working",
            "my dad is in the hospital and I'm covering his bills", "I fractured my wrist",
            "dental surgery cost me a fortune", "I've been sick for a month", "got hurt and can't work",
            "I'm off work with a slipped disc", "my kid needed an operation", "illness", "injury",
        ],
        "mix": [
            "我住院了，hospital bill好贵", "生病了在hospital", "surgery花了很多钱", "受伤了没法work",
            "medical bills太多了", "我爸surgery，钱都花了", "sick了一个月，没上班",
        ],
    },
    "epidemic_or_lockdown": {
        "zh": [
            "疫情封控，出不了门", "小区封了一个月", "因为疫情店被关了", "疫情期间没法上班", "被隔离了十四天",
            "我阳了，在家隔离", "城市静默，工厂停工", "疫情影响，公司停工停产", "新冠住院了", "核酸异常被拉去方舱",
            "封城了，没有收入", "yq原因没开工", "疫情反复，生意时开时停", "被判定密接，隔离酒店住了两周",
            "管控区出不去", "疫情期间航班停了，我们导游没活", "封控期间工资停发", "这波疫情又封了",
            "yiqing fengkong", "健康码变红了，上不了班", "疫情让学校停课，我兼职没了", "全员居家办公，工资打折",
            "二阳了，起不来床", "因为封控，货运不出去",
        ],
        "en": [
            "the lockdown shut my workplace", "I had covid and had to quarantine", "we've been in lockdown for weeks",
            "the pandemic closed the restaurant I work at", "I was in quarantine for 14 days",
            "covid restrictions stopped all work", "the city went into lockdown", "I tested positive for covid",
            "my whole building was locked down", "pandemic", "lockdown", "the outbreak closed our factory",
            "travel restrictions killed my tour guide work", "isolation order meant no work for a month",
            "covid hit my family and we all had to isolate", "the epidemic control measures closed the market",
            "I caught covid twice this year", "the quarantine hotel stay cost me two weeks of pay",
        ],
        "mix": [
            "covid阳了，在家quarantine", "lockdown了出不去", "疫情lockdown没收入", "被quarantine了两周",
            "因为covid公司停工", "pandemic期间没工作", "小区lockdown了",
        ],
    },
    "business_failure": {
        "zh": [
            "我开的店倒闭了", "生意亏了", "小店关门了", "做生意赔了十几万", "开的奶茶店干不下去了", "生意不好做，亏本",
            "客户欠款收不回来", "厂子资金链断了", "工作室关了", "摆摊没生意", "网店没单了", "货压在手里卖不出去",
            "合伙人卷钱跑了，店开不下去", "餐馆经营不善关门了", "装修公司接不到单", "上游客户破产，我的货款没了",
            "做电商亏了", "加盟店亏本转让了", "今年生意太差，房租都交不上", "批发生意黄了", "sy亏钱，店关了",
            "我的小公司破产了", "货车跑运输，运费被压价，一直亏", "果园今年收成不好，血本无归", "养猪亏了",
            "开的理发店生意惨淡", "生意周转不开", "进的货全砸手里了", "个体户，生意黄了", "工程款被拖欠，我是包工头",
            "shengyi kui le",
        ],
        "en": [
            "my small business failed", "I had to close my shop", "my restaurant went under",
            "the business lost money all year", "a big client didn't pay us and the business collapsed",
            "my online store stopped getting orders", "my cafe closed down", "sales dropped and I couldn't cover rent",
            "I'm self-employed and work dried up", "my company went bankrupt", "my food truck business failed",
            "I was stuck with stock I couldn't sell", "my partner pulled out and the business folded",
            "business failure", "my salon lost all its customers", "the farm had a terrible harvest and I lost money",
            "my trucking business is losing money on every load", "I run a small shop and it's not making money",
            "my construction firm hasn't been paid for the last project",
        ],
        "mix": [
            "我的business亏了", "网店没order了", "shop关门了", "生意fail了", "开的cafe倒闭了",
            "client不付款，生意撑不下去", "small business亏本",
        ],
    },
    "family_event": {
        "zh": [
            "离婚了，房子车子都分了", "家里老人需要照顾，辞职了", "刚生了二胎，开销太大", "结婚花了很多钱",
            "家里出了点事，需要用钱", "孩子上学交学费", "老公出轨离婚了，我一个人带孩子", "家里有人要还债，帮他们还了",
            "老家盖房子，钱都寄回去了", "弟弟结婚彩礼我出了一部分", "回老家照顾爸妈", "单亲妈妈，带两个孩子",
            "分居了，只有我一个人的收入", "家里闹矛盾，钱都被拿走了", "孩子出生请了产假", "在办离婚，账户冻结了",
            "婆婆来家里住，开销大了", "老公被拘留了，家里就靠我", "照顾瘫痪的家人，没法上班", "家里突然多了几个人要养",
        ],
        "en": [
            "I'm going through a divorce", "I just had a baby and I'm on maternity leave",
            "I had to move back home to care for my parents", "my wedding cost more than planned",
            "my partner left and I'm paying everything alone", "family emergency", "we had twins",
            "I'm a single mom now", "I had to send money home to my family", "my husband and I separated",
            "my kid's school fees were due", "I'm the only earner since my husband left",
            "caring for my disabled brother full time", "my family needed help with their debts",
            "family problems", "my ex stopped paying child support",
        ],
        "mix": [
            "在办divorce", "家里有emergency", "刚有了baby，开销大", "照顾parents辞职了", "family出事了要用钱",
            "wedding花了很多钱",
        ],
    },
    "disaster": {
        "zh": [
            "家里被水淹了", "老家发洪水，房子冲了", "台风把店吹坏了", "地震房子裂了", "家里着火了，东西都烧了",
            "暴雨把车泡了", "山体滑坡，路断了出不去", "冰雹把大棚砸了", "泥石流冲了村子", "大水把仓库淹了",
            "我们那里遭了水灾", "厂房被大火烧了", "干旱，庄稼全死了", "台风天停电停水一个礼拜", "暴雪压塌了棚子",
            "河堤决口，家被淹", "发大水了，全部泡汤", "隔壁起火烧到我家", "龙卷风把屋顶掀了",
        ],
        "en": [
            "my house flooded", "a typhoon destroyed my shop", "there was an earthquake and our home is damaged",
            "we lost everything in a fire", "the storm wrecked my car", "a landslide cut off our village",
            "hail destroyed my greenhouse", "the flood ruined my stock", "wildfire burned down our house",
            "hurricane damage", "natural disaster", "our apartment building caught fire",
            "the river flooded and we had to evacuate", "a tornado tore the roof off", "drought killed the crops",
        ],
        "mix": [
            "家里flood了", "typhoon把店吹坏了", "着fire了，东西都没了", "earthquake之后房子不能住", "洪水evacuate了",
        ],
    },
    "merchant_dispute": {
        "zh": [
            "东西没收到还要我还钱", "商家一直不发货", "买的手机是坏的，商家不给退", "退货了钱还没退回来",
            "课程机构跑路了，分期还在扣", "健身房倒闭了，卡里的钱要不回来", "商家多扣了我一笔", "订单取消了还在收分期",
            "卖家发的是假货", "装修公司没完工就跑了", "美容院骗我办卡，服务根本没有", "已经退款了为什么还显示欠款",
            "商品质量有问题，申请售后商家不理", "培训班没上几节课就关门了", "买的家具到现在没送", "被商家重复扣款",
            "酒店订单取消了，钱没退", "机票退了，款没退到账", "收到的货和描述不符", "商家说退款但一直没到",
            "我要投诉这个商户", "快递丢了商家不管",
        ],
        "en": [
            "I never received the item", "the merchant won't give me a refund", "I returned it but the refund never came",
            "the product arrived broken", "the seller sent a fake", "the course provider shut down but I'm still paying",
            "my gym closed and I'm still being charged", "the store charged me twice", "the order was cancelled but installments continue",
            "the furniture never got delivered", "I'm disputing this charge with the merchant",
            "the item was not as described", "the contractor left the job unfinished", "the refund is still pending",
            "why should I pay for something I sent back", "merchant dispute", "the airline cancelled my flight and never refunded",
            "the shop refuses to honor the warranty",
        ],
        "mix": [
            "merchant不给refund", "item没收到", "退货了refund还没到", "商家double charge了", "order取消了还在扣钱",
            "seller发的是fake", "refund一直pending",
        ],
    },
    "fraud_or_identity_theft": {
        "zh": [
            "这笔不是我买的", "我的账号被盗了", "有人冒用我的身份证借钱", "我没有开通过这个额度", "被电信诈骗了",
            "手机丢了，有人用我的账户消费", "我根本没借过这笔钱", "身份信息被泄露了", "有人盗刷了我的账户",
            "接了个冒充客服的电话被骗了", "不认识这笔交易", "我被骗了，骗子让我刷的", "账户被别人登录了",
            "验证码被人骗走了", "刷单被骗了好几万", "有人拿我的信息注册了账号", "密码被改了，不是我操作的",
            "我报警了，是诈骗", "卡被盗刷", "zhapian", "被杀猪盘骗了",
        ],
        "en": [
            "I didn't make this purchase", "my account was hacked", "someone stole my identity",
            "I never opened this account", "I was scammed", "somebody used my card without permission",
            "there are charges I don't recognize", "I lost my phone and someone used my account",
            "a scammer pretending to be customer service tricked me", "this loan is not mine",
            "my ID was used by someone else", "unauthorized transactions", "fraud on my account",
            "I reported it to the police, it's fraud", "someone got my verification code",
            "identity theft", "I fell for a phishing text",
        ],
        "mix": [
            "account被hack了", "这笔charge不是我", "被scam了", "identity被盗用了", "有unauthorized交易",
            "被phishing骗了",
        ],
    },
    "other": {
        "zh": [
            "忘记还款了", "这个月钱不够", "发工资的日子在还款日之后", "银行卡过期了扣款失败", "出去旅游花超了",
            "想改一下还款日", "自动扣款没成功", "换了手机号收不到提醒", "买东西买多了", "最近手头有点紧",
            "炒股亏了", "钱借给朋友还没还我", "想问问怎么提前还款", "能不能降低利息", "忘了，明天还",
            "绑定的卡余额不足", "app打不开，还不了款", "我想注销账户", "不是不想还，就是忘了", "信用卡都到期了一起还不过来",
            "钱都拿去还别的贷款了", "买彩票亏了", "开销太大了", "最近花钱没节制", "在外地出差忘了",
        ],
        "en": [
            "I forgot to pay", "I'm a bit short this month", "payday is after the due date", "my card expired",
            "the autopay failed", "I overspent on holiday", "can I change my due date", "I didn't get the reminder",
            "just tight on money right now", "I lost money on crypto", "I lent money to a friend",
            "how do I pay off early", "can you lower the interest", "the app won't let me pay", "I want to close my account",
            "I have too many bills at once", "I was travelling and missed it", "bank transfer didn't go through",
            "spent too much on christmas", "my balance was low when the payment went out",
        ],
        "mix": [
            "忘了pay", "autopay失败了", "这个月budget超了", "app有bug还不了款", "想change还款日", "card过期了扣款失败",
        ],
    },
}

# Causes that carry a vulnerability flag (drawn instead of CAUSES with some probability).
FLAGGED_CAUSES: dict[tuple[str, str], dict[str, list[str]]] = {
    ("illness_or_injury", "serious_illness"): {
        "zh": [
            "查出来是癌症，在化疗", "我爸脑梗住进ICU了", "孩子得了白血病", "我在做透析，每周三次", "乳腺癌手术后在放疗",
            "中风了，半边身子不能动", "确诊了肺癌晚期", "老婆尿毒症要换肾", "心脏病发作做了搭桥", "肝硬化住院",
            "重度抑郁住院治疗", "孩子先天性心脏病要手术", "我得了肿瘤", "妈妈确诊阿尔茨海默症", "爱人车祸脑外伤昏迷",
        ],
        "en": [
            "I was diagnosed with cancer and I'm on chemo", "my husband had a stroke", "my daughter has leukemia",
            "I'm on dialysis three times a week", "I had a heart attack", "my mom has terminal cancer",
            "I'm being treated for a brain tumor", "my son is in intensive care", "I was hospitalized for severe depression",
            "my wife needs a kidney transplant", "I have MS and it's getting worse",
        ],
        "mix": ["确诊了cancer在做chemo", "我爸stroke了住ICU", "在做dialysis", "孩子leukemia住院"],
    },
    ("family_event", "bereavement"): {
        "zh": [
            "我爸去世了", "老公走了，家里就剩我", "妈妈上个月过世了", "家里老人走了，在办丧事", "孩子没了",
            "我爷爷去世，回老家奔丧", "丈夫意外身亡", "我哥出车祸没了", "办完葬礼钱都花光了", "家父病逝",
        ],
        "en": [
            "my father passed away", "my husband died last month", "I lost my mom", "we had a death in the family",
            "I've been dealing with my brother's funeral", "my wife passed away suddenly", "my baby died",
            "the funeral costs wiped out my savings", "my grandmother died and I had to travel home",
        ],
        "mix": ["我爸passed away了", "家里有人去世，funeral花了很多钱", "我妈走了，在办funeral"],
    },
}

# Phrases that add a flag to any class (who the customer is).
FLAG_PHRASES: dict[str, dict[str, list[str]]] = {
    "elderly": {
        "zh": [
            "我今年七十多了", "我是退休老人", "老年人，就靠退休金过日子", "我68岁了", "岁数大了不会用手机还款",
            "我都八十了", "老头子一个，没啥收入", "退休金就两千块", "年纪大了找不到活",
        ],
        "en": [
            "I'm 74 and retired", "I'm a pensioner", "I'm an old man living on a pension", "I'm 81",
            "at my age I can't find work", "I'm a senior on a fixed income", "I'm elderly and my pension is small",
        ],
        "mix": ["我是retired老人", "靠pension过日子", "我72岁了，senior"],
    },
    "student": {
        "zh": [
            "我还是学生", "我是大学生", "大三在读", "在读研究生，没收入", "学生党一个", "刚上大学", "我还在上学",
            "大学生，兼职赚钱", "高职在读", "我在读博",
        ],
        "en": [
            "I'm a student", "I'm a college student", "I'm in university", "I'm still at school",
            "I'm a grad student with no income", "full time student here", "I'm a sophomore",
        ],
        "mix": ["我是student", "大学生，part-time赚点钱", "还在读uni"],
    },
}

# Short noun phrases: negated ("not because ...") or named as a second cause.
SHORT: dict[str, dict[str, list[str]]] = {
    "job_loss_or_pay_cut": {"zh": ["失业", "被裁员", "降薪", "丢工作"], "en": ["losing my job", "a pay cut", "being laid off"]},
    "illness_or_injury": {"zh": ["生病", "住院", "受伤"], "en": ["being sick", "an injury", "hospital bills"]},
    "epidemic_or_lockdown": {"zh": ["疫情", "封控", "隔离"], "en": ["covid", "the lockdown", "quarantine"]},
    "business_failure": {"zh": ["生意亏本", "店铺倒闭"], "en": ["my business failing", "the shop closing"]},
    "family_event": {"zh": ["家里的事", "离婚", "生孩子"], "en": ["family stuff", "my divorce", "the new baby"]},
    "disaster": {"zh": ["水灾", "火灾", "台风"], "en": ["the flood", "the fire", "the storm"]},
    "merchant_dispute": {"zh": ["商家不退款", "没收到货"], "en": ["the merchant's refund", "the missing order"]},
    "fraud_or_identity_theft": {"zh": ["被骗", "账户被盗"], "en": ["a scam", "fraud"]},
    "other": {"zh": ["忘记了", "乱花钱"], "en": ["forgetting", "overspending"]},
}

OPENERS = {
    "zh": ["你好，", "您好，", "客服你好，", "在吗？", "麻烦问一下，", "", "", "", "唉，", "实话说，", "跟你们说一下，"],
    "en": ["Hi, ", "Hello, ", "Hi there. ", "", "", "", "Hey, ", "To whom it may concern: ", "Sorry, ", "Honestly, "],
}
CONSEQUENCES = {
    "zh": [
        "这个月还不上了", "钱还不上", "实在没钱还", "下个月的也悬", "手里一分钱都没有", "暂时还不了款", "逾期了不好意思",
        "现在连饭都吃不起", "所有账单都压着", "qian huan bu shang", "还款有困难", "",
    ],
    "en": [
        "I can't make this month's payment", "I can't pay right now", "I'm behind on payments", "I have no money left",
        "I'm struggling to keep up", "I missed the due date", "I'm broke", "I can't afford the installment", "",
    ],
}
REQUESTS = {
    "zh": [
        "能不能延期还款？", "可以申请分期吗", "能不能先还一部分", "申请停息挂账", "求宽限几天", "能减免点利息吗",
        "希望能帮帮我", "等我缓过来一定还", "可以延后一个月吗", "别催了，我会还的", "有什么办法吗", "",
    ],
    "en": [
        "Can I get an extension?", "Could you lower my payments for a while?", "Please give me a few more weeks.",
        "Is there a hardship program?", "Can I pay part of it now?", "I will pay once I'm back on my feet.",
        "Please stop the late fees.", "What are my options?", "Please help.", "",
    ],
}
# Requests that belong to the dispute and fraud paths.
PATH_REQUESTS = {
    "merchant_dispute": {
        "zh": ["为什么还要我还钱？", "请先处理退款", "我要投诉", "这笔我不认", "请暂停这笔分期"],
        "en": ["Why am I still being billed?", "Please pause this until the refund is sorted.", "I want to dispute it."],
    },
    "fraud_or_identity_theft": {
        "zh": ["请帮我冻结账户", "我已经报警了", "这笔钱我不会还的", "请查一下", "赶紧处理"],
        "en": ["Please freeze my account.", "I filed a police report.", "I'm not paying for this.", "Please investigate."],
    },
}
CLOSERS = {
    "zh": ["谢谢", "谢谢了🙏", "拜托了", "😭", "🙏🙏", "", "", "", "真的没办法了", "求求了", "～"],
    "en": ["Thanks.", "Thank you", "🙏", "😞", "", "", "", "Regards", "I'm really sorry.", "thx"],
}
# zh homophone and typing slips seen in customer chats; applied to some zh messages.
ZH_SLIPS = {
    "还": "换", "钱": "前", "因为": "应为", "已经": "以经", "工作": "工做", "公司": "工司", "什么": "神马",
    "在": "再", "的": "滴", "没有": "木有", "现在": "现再", "医院": "医阮", "生意": "生易", "这个": "这各",
}
EN_SLIPS = {
    "because": "bc", "you": "u", "please": "pls", "thanks": "thx", "my": "mu", "the": "teh", "payment": "paymnet",
    "really": "rly", "can't": "cant", "I'm": "im", "don't": "dont", "received": "recieved",
}
