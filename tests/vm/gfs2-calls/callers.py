#!/usr/bin/env python3
"""callers.py DIS.txt KO SYM... : list every function (symbol) whose code transfers control
to SYM (call or jmp), from `objdump -dr --no-show-raw-insn` output.
 - insn with a relocation: target = reloc symbol; section-relative relocs (.text+X,
   .text.unlikely+X) are resolved to the function containing X+4 (PC32/PLT32 addend -4).
 - insn without relocation: target = objdump's <sym+off> (assembler-resolved local jump/call),
   counted only if it lands at offset 0 of another function, or inside another function.
 - non-branch insns with relocs against SYM are reported as 'addr-ref' (function pointer)."""
import re, sys, subprocess, collections, bisect
dis, ko, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
# symbol table: per section, sorted (addr, size, name) of FUNC symbols
secnames = {}
for l in subprocess.run(['readelf','-SW',ko],capture_output=True,text=True).stdout.splitlines():
    m = re.match(r'\s*\[\s*(\d+)\]\s+(\S+)', l)
    if m: secnames[m.group(1)] = m.group(2)
funcs = collections.defaultdict(list)
for l in subprocess.run(['readelf','-sW',ko],capture_output=True,text=True).stdout.splitlines():
    p = l.split()
    if len(p) >= 8 and p[3] == 'FUNC' and p[6].isdigit():
        funcs[secnames[p[6]]].append((int(p[1],16), int(p[2]), p[7]))
for s in funcs: funcs[s].sort()
def func_at(sec, addr):
    L = funcs.get(sec, []); i = bisect.bisect_right([a for a,_,_ in L], addr) - 1
    if i >= 0 and addr < L[i][0] + max(L[i][1],1): return L[i][2], addr - L[i][0]
    return None, None
fn_re  = re.compile(r'^([0-9a-f]+) <([^>]+)>:$')
sec_re = re.compile(r'^Disassembly of section (\S+):$')
ins_re = re.compile(r'^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$')
rel_re = re.compile(r'^\s+([0-9a-f]+): (R_X86_64_\S+)\s+(\S+)$')
edges = collections.defaultdict(set)
insns = []  # (sec, func, op, operand, relocs)
sec = cur = None
for line in open(dis):
    line = line.rstrip('\n')
    m = sec_re.match(line)
    if m: sec = m.group(1); continue
    m = fn_re.match(line)
    if m: cur = m.group(2); continue
    m = rel_re.match(line)
    if m and insns: insns[-1][4].append((m.group(2), m.group(3))); continue
    m = ins_re.match(line)
    if m and cur: insns.append([sec, cur, m.group(2), m.group(3), []])
for sec, cur, op, arg, rels in insns:
    br = 'call' if op.startswith('call') else 'jmp' if op.startswith('j') else None
    if rels:
        for rtype, rsym in rels:
            m = re.match(r'^(\S+?)([-+]0x[0-9a-f]+)?$', rsym)
            sym, add = m.group(1), int(m.group(2) or '0', 16)
            if sym.startswith('.'):            # section-relative
                tgt, off = func_at(sym, add + (4 if rtype in ('R_X86_64_PC32','R_X86_64_PLT32') else 0))
                if tgt is None: continue
                sym = tgt; tag = f'{sym}+{off:#x} via {rsym}'
            else: tag = 'reloc ' + rtype
            edges[sym].add((cur, br or 'addr-ref', tag))
    elif br:
        t = re.search(r'^[0-9a-f]+ <([^>+]+)(\+0x([0-9a-f]+))?>', arg)
        if t and t.group(1) != cur:
            edges[t.group(1)].add((cur, br, 'direct(no reloc)' + (('+0x'+t.group(3)) if t.group(2) else '')))
    # indirect calls: record for completeness
    if br and ('*' in arg or '__x86_indirect_thunk' in ' '.join(r[1] for r in rels)):
        edges['<indirect>'].add((cur, br, arg))
for s in wanted:
    print(f'--- {s} <- ')
    for c in sorted(edges.get(s, ())): print('   ', *c)
