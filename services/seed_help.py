"""Demo help content (seed 000): 服务支持 and 关于我们 as portal pages, and 在线解答 — the
questions and answers the center keeps, by category. Idempotent. Chinese text is data here,
like the portal's articles, kept by the center in the admin."""
from models import ArticleKind, FaqCategory, FaqEntry

PAGES = {
    ArticleKind.SUPPORT: [
        ("服务时间与联系方式", """学分银行管理中心为学习者、院校和教学点提供业务咨询与技术支持。

- 服务时间：工作日 9:00–12:00，14:00–17:30
- 咨询电话：020-00000000（演示）
- 电子邮箱：support@example.cn（演示）

院校与教学点的操作问题，请先联系本单位的平台管理员。"""),
        ("常用办理渠道", """1. **学习者**：登录后在“我的信息”查看成果，在“问题反馈”对院校存储的成果提出更正；
2. **院校**：在院校空间的“我的消息”查看审核结果与学员反馈；
3. 常见问题请先查阅“在线解答”。"""),
    ],
    ArticleKind.ABOUT: [
        ("广东终身教育学分银行", """广东终身教育学分银行是为全省学习者建立学习账户、记录学习成果，
并依据**广东终身教育资历框架**开展学习成果认定、积累与转换的公共服务平台。

平台由门户网站、管理与服务系统和学分银行移动应用组成。"""),
        ("平台的三个部分", """- **门户网站**：资讯中心、业务指南、规章制度、标准体系、规则查询、转换办法与证书验证；
- **管理与服务系统**：院校与教学点存储成果、发布转换规则并完成审核，管理中心维护名录与账号；
- **学分银行移动应用**：学习者在手机上查看学习成果、学分账户和消息，离线时也可查看最近打开过的内容。"""),
    ],
}

FAQ = {
    "账户与登录": [
        ("院校导入的学员如何激活账号？", "在登录页点击“去激活账号”，输入**身份证号**，用绑定手机收到的验证码设置密码即可。"
         "没有绑定手机的学员可改用电子邮箱激活，由管理中心审核后开通。"),
        ("忘记密码怎么办？", "在登录页点击“忘记密码”，用绑定手机接收验证码重置；没有绑定手机的账户可通过电子邮箱重置。"),
        ("登录时提示“请选择机构用户”是什么意思？", "院校账户和子用户登录时身份请选择“机构用户”，学习者与教学点、委员会用户选择“个人用户”。"),
    ],
    "成果添加与认定": [
        ("哪些成果需要申请认定？", "名录中的学历、职业资格、技师教育和培训类成果添加后自动认定；业绩类和非名录成果需要在"
         "“认定成果申请”中提交认定，由教学点管理员审核。"),
        ("上传的材料有什么要求？", "支持 jpg、png、gif、pdf 格式，每个文件不超过10 MB，图片请保证清晰。"),
    ],
    "成果转换": [
        ("如何申请学位外语成绩的转换？", "在“转换成果申请”中选择“广东省成人高等教育学士学位外语水平统一考试”成绩，"
         "点击“申请转换”，选择适用的转换规则并上传成绩单，提交后等待初审和终审。"),
        ("转换通过后在哪里查看？", "终审通过后目标成果自动添加到“我的信息”，来源为“转换获得”；在申请记录中可打印转换证明，"
         "证明上的二维码可供验证方扫码核验。"),
    ],
    "学分账户与移动应用": [
        ("学分账户显示的学分从哪里来？", "学分账户累计您名录成果和已认定成果的学分银行学分，按资历框架等级和成果类别汇总。"),
        ("如何把学分银行添加到手机桌面？", "用手机浏览器打开平台，在浏览器菜单中选择“添加到主屏幕”或“安装应用”。"
         "安装后离线时也可查看最近打开过的成果和学分账户（标注为离线副本）。"),
    ],
}


def seed_help(center, article):
    """``article(kind, title, body)``: the portal's own idempotent article writer."""
    for kind, items in PAGES.items():
        for title, body in items:
            article(kind, title, body)
    for order, (name, entries) in enumerate(FAQ.items()):
        category, _created = FaqCategory.get_or_create(name=name, defaults={"sort_order": order})
        for position, (question, answer) in enumerate(entries):
            if not FaqEntry.select().where(FaqEntry.question == question).exists():
                FaqEntry.create(category=category, question=question, answer=answer, sort_order=position)
