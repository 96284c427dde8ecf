#!/usr/bin/env python3
"""owner.py DIS.txt REGEX: the function around each line of `objdump -d` output that matches."""
import sys, re
# print function containing each line matching a regex in objdump output
dis, pat = sys.argv[1], re.compile(sys.argv[2])
cur=None; seen=[]
for l in open(dis):
    m=re.match(r'^[0-9a-f]+ <([^>]+)>:$',l)
    if m: cur=m.group(1); continue
    if pat.search(l):
        a=l.split(':')[0].strip()
        print(f'{cur:40s} {a} {l.strip()[-70:]}')
