#!/usr/bin/env python3
"""Write the inputs tests/test_draft.sh gives --draft-policy, into DIR.

usage: draft_inputs.py SEEDS_DIR DIR

big.txt      10 MB: a seed policy's lines repeated, shuffled, with noise lines
junk.bin     1 MB of pseudo-random bytes (fixed seed): not text
page.html    an HTML policy: head, scripts, styles, comments, entities, an SDK table
bad-utf8.txt seed 000 with invalid UTF-8 (stray continuation bytes, a truncated
             sequence, an overlong form, a surrogate, NUL and control bytes) inserted
             into its SDK annex and elsewhere
zh.txt       a short Chinese policy: SDK list, types, an MD5 promise and 脱敏
changed.txt  seed 002 with the Qiniu entry removed and a JPush entry added
empty.txt    nothing
long.txt     one 1.5 MB line of negations, conditions, contrasts, parentheses and types,
             just under the lexicon's hit cap: the work per type must not grow with the
             line (a sentence is read DRAFT_SENTENCE_REACH bytes either side at most)
"""
import os
import random
import sys

seeds, out = sys.argv[1], sys.argv[2]
rnd = random.Random(18)


def seed(prefix):
    name = [f for f in sorted(os.listdir(seeds)) if f.startswith(prefix)][0]
    return open(os.path.join(seeds, name), "rb").read()


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


lines = seed("002").split(b"\n")
big = []
size = 0
while size < 10 * 1024 * 1024:
    line = rnd.choice(lines) if rnd.random() < 0.7 else bytes(
        rnd.choice(b"abcdefghij klmnop IMEI OAID") for _ in range(rnd.randint(0, 200)))
    big.append(line)
    size += len(line) + 1
write("big.txt", b"\n".join(big))

write("long.txt", b"(we do not collect your IMEI, if you agree, but OAID) " * 27000)

write("junk.bin", bytes(rnd.getrandbits(8) for _ in range(1 << 20)))

write("page.html", """<!DOCTYPE html>
<html><head><title>Policy</title>
<script>var sdks = "Pangle SDK collects IMSI"; document.write("<p>Getui SDK</p>");</script>
<style>td { color: red } /* Tencent Bugly */</style></head>
<body><h1>Privacy Policy</h1>
<p>We collect your mobile phone number &amp; e&#45;mail address.</p>
<!-- Kuaishou SDK: IMEI, removed -->
<h2>Appendix: Third-party SDK list</h2>
<table><tr><th>SDK</th><th>Data</th></tr>
<tr><td>Umeng SDK</td><td>IMEI, OAID, Android&nbsp;ID</td></tr>
<tr><td>JPush SDK</td><td>device MAC address</td></tr>
</table>
<script type="text/javascript">
  if (a < b && c > d) { var s = "</p><p>Baidu VR SDK IMEI</p>"; }
</script>
<noscript>Youtui SDK IMEI</noscript>
</body></html>
""".encode())

s = seed("000")
annex = s.index(b"Umeng SDK")
bad = (s[:200] + b"\x80\xbf\xfe\xff" + s[200:annex] + b"\xe4\xb8" + b"\n\xc0\xaf\xed\xa0\x80\x00\x01\x1b\n"
       + s[annex:])
write("bad-utf8.txt", bad)

write("zh.txt", """隐私政策
我们收集您的手机号码和设备标识符（IMEI、OAID）。
我们会对您的IMEI进行MD5加密后上传，对MAC地址进行脱敏处理。
附录一 第三方SDK清单
SDK名称：友盟SDK
收集个人信息类型：设备标识符（IMEI、OAID）、MAC地址、位置信息
SDK名称：某某统计SDK
收集个人信息类型：设备信息、IP地址
""".encode())

s = seed("002").decode()
start = s.index("Partner Type: Data storage service partner\nPartner Name: Qiniu Cloud")
end = s.index("Partner Type: Data analysis service partner")
s = s[:start] + ("Partner Type: Push notification service partner\nPartner Name: JPush\n"
                 "Shared Personal Information Fields: IMEI, IMSI\n") + s[end:]
write("changed.txt", s.encode())
write("empty.txt", b"")
