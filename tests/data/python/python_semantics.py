# Python semantics the evaluator must share with CPython: every assert holds in CPython
# (gen_reference.py runs this file), and the layer sizes follow from the same expressions.
# input: 2,3
import math
import torch.nn as nn


CHECKS = [
    (-7 // 2, -4, '-7 // 2'),
    (-7 % 2, 1, '-7 % 2'),
    (7 % -3, -2, '7 % -3'),
    (-7.5 // 2, -4.0, '-7.5 // 2'),
    (2 ** 3 ** 2, 512, '2 ** 3 ** 2'),
    (-2 ** 2, -4, '-2 ** 2'),
    (2 ** -1, 0.5, '2 ** -1'),
    (round(2.5), 2, 'round(2.5)'),
    (round(3.5), 4, 'round(3.5)'),
    (round(-2.5), -2, 'round(-2.5)'),
    (round(2.675, 2), 2.67, 'round(2.675, 2)'),
    (int(-3.7), -3, 'int(-3.7)'),
    (int('12'), 12, "int('12')"),
    (1 < 2 < 3, True, '1 < 2 < 3'),
    (3 > 2 > 2, False, '3 > 2 > 2'),
    (not 1 == 2, True, 'not 1 == 2'),
    (1 if 0 else 2 if 1 else 3, 2, '1 if 0 else 2 if 1 else 3'),
    (0 or 5, 5, '0 or 5'),
    (3 and 0, 0, '3 and 0'),
    ([] or [1], [1], '[] or [1]'),
    (7 / 2, 3.5, '7 / 2'),
    (6 / 3, 2.0, '6 / 3'),
    (True + True, 2, 'True + True'),
    (10 // 3 * 3, 9, '10 // 3 * 3'),
    (math.ceil(7 / 2), 4, 'math.ceil(7 / 2)'),
    (math.floor(-0.5), -1, 'math.floor(-0.5)'),
    (math.sqrt(16), 4.0, 'math.sqrt(16)'),
    (int(math.log2(64)), 6, 'int(math.log2(64))'),
    (max([3, 1, 4]), 4, 'max([3, 1, 4])'),
    (min(3, 1, 4), 1, 'min(3, 1, 4)'),
    (sum(range(5)), 10, 'sum(range(5))'),
    (sorted([3, 1, 2], reverse=True), [3, 2, 1], 'sorted([3, 1, 2], reverse=True)'),
    (list(reversed(range(3))), [2, 1, 0], 'list(reversed(range(3)))'),
    ([1, 2, 3][::-1], [3, 2, 1], '[1, 2, 3][::-1]'),
    ([1, 2, 3, 4][1:-1], [2, 3], '[1, 2, 3, 4][1:-1]'),
    ('%d-%s' % (3, 'a'), '3-a', "'%d-%s' % (3, 'a')"),
    ('{}_{:02d}'.format('x', 5), 'x_05', "'{}_{:02d}'.format('x', 5)"),
    (f'{3:03d}', '003', "f'{3:03d}'"),
    (f'{2.5:.1f}', '2.5', "f'{2.5:.1f}'"),
    ('a,b'.split(','), ['a', 'b'], "'a,b'.split(',')"),
    (abs(-3), 3, 'abs(-3)'),
    (len({'a': 1, 'b': 2}), 2, "len({'a': 1, 'b': 2})"),
    (list({'a': 1, 'b': 2}.items()), [('a', 1), ('b', 2)], "list({'a': 1, 'b': 2}.items())"),
    ([x * 2 for x in range(4) if x % 2], [2, 6], '[x * 2 for x in range(4) if x % 2]'),
    ({k: v for k, v in zip('ab', [1, 2])}, {'a': 1, 'b': 2}, "{k: v for k, v in zip('ab', [1, 2])}"),
    (any([0, 0, 1]), True, 'any([0, 0, 1])'),
    (all([]), True, 'all([])'),
    (3 in [1, 2, 3], True, '3 in [1, 2, 3]'),
    ('b' not in 'abc', False, "'b' not in 'abc'"),
    (int(7 / 2), 3, 'int(7 / 2)'),
    (16 >> 2 << 1, 8, '16 >> 2 << 1'),
    (~5, -6, '~5'),
    (1e3, 1000.0, '1e3'),
    (0x10, 16, '0x10'),
    (1_000, 1000, '1_000'),
    ((1, 2) + (3,), (1, 2, 3), '(1, 2) + (3,)'),
    ([0] * 3, [0, 0, 0], '[0] * 3'),
    ('ab' * 2, 'abab', "'ab' * 2"),
    (max(2.0, 3), 3, 'max(2.0, 3)'),
    (float('inf') > 1e308, True, "float('inf') > 1e308"),
    (isinstance(3, int), True, 'isinstance(3, int)'),
    (isinstance(True, int), True, 'isinstance(True, int)'),
    (str(3) + str(2.0), '32.0', 'str(3) + str(2.0)'),
    (str(1e20), '1e+20', 'str(1e20)'),
    (str(0.1 + 0.2), '0.30000000000000004', 'str(0.1 + 0.2)'),
    (str(1/3), '0.3333333333333333', 'str(1/3)'),
    (-(-7 // 2), 4, '-(-7 // 2)'),
    (round(7 / 2), 4, 'round(7 / 2)'),
    (math.pi * 2 > 6.28, True, 'math.pi * 2 > 6.28'),
    (hasattr(nn, 'Linear'), True, "hasattr(nn, 'Linear')"),
    (tuple([1, 2]), (1, 2), 'tuple([1, 2])'),
    (list(enumerate('ab', 1)), [(1, 'a'), (2, 'b')], "list(enumerate('ab', 1))"),
    ([i for i in range(10, 0, -3)], [10, 7, 4, 1], '[i for i in range(10, 0, -3)]'),
    (round(2.675, 2), 2.67, 'round(2.675, 2)'),
    (round(0.125, 2), 0.12, 'round(0.125, 2)'),
    (round(0.375, 2), 0.38, 'round(0.375, 2)'),
    (round(-2.675, 2), -2.67, 'round(-2.675, 2)'),
    (round(1234, -2), 1200, 'round(1234, -2)'),
    (round(1250, -2), 1200, 'round(1250, -2)'),
    (round(1350, -2), 1400, 'round(1350, -2)'),
    (round(-1250, -2), -1200, 'round(-1250, -2)'),
    (round(2500.0, -3), 2000.0, 'round(2500.0, -3)'),
    (round(3500.5, -3), 4000.0, 'round(3500.5, -3)'),
    (round(12345.678, -1), 12350.0, 'round(12345.678, -1)'),
    (round(1e300, 2), 1e+300, 'round(1e300, 2)'),
    (round(5, -1), 0, 'round(5, -1)'),
    (round(15, -1), 20, 'round(15, -1)'),
    (round(0.5), 0, 'round(0.5)'),
    (round(1.5), 2, 'round(1.5)'),
    (round(2.5, 0), 2.0, 'round(2.5, 0)'),
]
# formatting, str methods and number builtins
CHECKS += [
    ('%(n)s!' % {'n': 'hi'}, 'hi!', "'%(n)s!' % {'n': 'hi'}"),
    ('%x' % 255, 'ff', "'%x' % 255"),
    ('%X' % 255, 'FF', "'%X' % 255"),
    ('%o' % 8, '10', "'%o' % 8"),
    ('%#x' % 255, '0xff', "'%#x' % 255"),
    ('%5d|' % 3, '    3|', "'%5d|' % 3"),
    ('%-5d|' % 3, '3    |', "'%-5d|' % 3"),
    ('%05.1f' % 3.14159, '003.1', "'%05.1f' % 3.14159"),
    ('%+d' % 5, '+5', "'%+d' % 5"),
    ('% d' % 5, ' 5', "'% d' % 5"),
    ('%c' % 65, 'A', "'%c' % 65"),
    ('%c' % 'z', 'z', "'%c' % 'z'"),
    ('%e' % 12345.678, '1.234568e+04', "'%e' % 12345.678"),
    ('%G' % 0.00001234, '1.234E-05', "'%G' % 0.00001234"),
    ('%i' % 3.9, '3', "'%i' % 3.9"),
    ('%.3s' % 'abcdef', 'abc', "'%.3s' % 'abcdef'"),
    ('%(a)d-%(b)s' % {'a': 1, 'b': 'x'}, '1-x', "'%(a)d-%(b)s' % {'a': 1, 'b': 'x'}"),
    ('%s' % {'a': 1}, "{'a': 1}", "'%s' % {'a': 1}"),
    ('%r' % 'q', "'q'", "'%r' % 'q'"),
    ('%%d' % (), '%d', "'%%d' % ()"),
    ('%3s|' % 'a', '  a|', "'%3s|' % 'a'"),
    ('%u' % 7, '7', "'%u' % 7"),
    (f'{255:x}', 'ff', "f'{255:x}'"),
    (f'{255:#X}', '0XFF', "f'{255:#X}'"),
    (f'{5:b}', '101', "f'{5:b}'"),
    (f'{5:08b}', '00000101', "f'{5:08b}'"),
    (f'{65:c}', 'A', "f'{65:c}'"),
    (f'{1234567:_}', '1_234_567', "f'{1234567:_}'"),
    (f'{1234.5:,.1f}', '1,234.5', "f'{1234.5:,.1f}'"),
    (f'{0.25:.1%}', '25.0%', "f'{0.25:.1%}'"),
    (f'{1.0:.3}', '1.0', "f'{1.0:.3}'"),
    (f'{123456.0:.3}', '1.23e+05', "f'{123456.0:.3}'"),
    (f'{1e-7:.2}', '1e-07', "f'{1e-7:.2}'"),
    (f'{3:.2f}', '3.00', "f'{3:.2f}'"),
    (f'{-3:05d}', '-0003', "f'{-3:05d}'"),
    (f'{3.5:G}', '3.5', "f'{3.5:G}'"),
    (f'{1e20:G}', '1E+20', "f'{1e20:G}'"),
    (f'{65535:_x}', 'ffff', "f'{65535:_x}'"),
    (f'{12:>6,}', '    12', "f'{12:>6,}'"),
    (f'{-1234:,}', '-1,234', "f'{-1234:,}'"),
    (f'{0.1:+.2f}', '+0.10', "f'{0.1:+.2f}'"),
    (f'{2:^5}|', '  2  |', "f'{2:^5}|'"),
    (f'{"ab":*^6}', '**ab**', 'f\'{"ab":*^6}\''),
    (f'{1.5:e}', '1.500000e+00', "f'{1.5:e}'"),
    (f'{10**6:,d}', '1,000,000', "f'{10**6:,d}'"),
    ('xax'.strip('x'), 'a', "'xax'.strip('x')"),
    ('xax'.lstrip('x'), 'ax', "'xax'.lstrip('x')"),
    ('xax'.rstrip('x'), 'xa', "'xax'.rstrip('x')"),
    ('  a '.lstrip(), 'a ', "'  a '.lstrip()"),
    ('abc'.find('z'), -1, "'abc'.find('z')"),
    ('abcabc'.rfind('b'), 4, "'abcabc'.rfind('b')"),
    ('a'.center(4, '*'), '*a**', "'a'.center(4, '*')"),
    ('ab'.center(5), '  ab ', "'ab'.center(5)"),
    ('abc'.center(6), ' abc  ', "'abc'.center(6)"),
    ('a'.ljust(3, '.'), 'a..', "'a'.ljust(3, '.')"),
    ('a'.rjust(3), '  a', "'a'.rjust(3)"),
    ('-5'.zfill(4), '-005', "'-5'.zfill(4)"),
    ('5'.zfill(3), '005', "'5'.zfill(3)"),
    ('aaa'.count('a'), 3, "'aaa'.count('a')"),
    ('aaaa'.count('aa'), 2, "'aaaa'.count('aa')"),
    ('abc'.count(''), 4, "'abc'.count('')"),
    (hex(-255), '-0xff', 'hex(-255)'),
    (oct(8), '0o10', 'oct(8)'),
    (bin(0), '0b0', 'bin(0)'),
    (chr(65), 'A', 'chr(65)'),
    (ord('z'), 122, "ord('z')"),
    ('{:x}'.format(4095), 'fff', "'{:x}'.format(4095)"),
    ('{:#o}'.format(8), '0o10', "'{:#o}'.format(8)"),
    (format(255, 'x'), 'ff', "format(255, 'x')"),
    (format(3.14159, '.2f'), '3.14', "format(3.14159, '.2f')"),
    (format(1234567, ','), '1,234,567', "format(1234567, ',')"),
    ('%3c|' % 'a', '  a|', "'%3c|' % 'a'"),
    ('%-3c|' % 'a', 'a  |', "'%-3c|' % 'a'"),
    ('abc'.upper(), 'ABC', "'abc'.upper()"),
    ({'a': 1}.get('b', 7), 7, "{'a': 1}.get('b', 7)"),
    (list(map(str, [1, 2])), ['1', '2'], 'list(map(str, [1, 2]))'),
    (int('ff', 16), 255, "int('ff', 16)"),
    ('{a}-{b}'.format(a=1, b=2), '1-2', "'{a}-{b}'.format(a=1, b=2)"),
    (f'{1234567:,}', '1,234,567', "f'{1234567:,}'"),
    (divmod(-7, 2), (-4, 1), 'divmod(-7, 2)'),
    (pow(2, -1), 0.5, 'pow(2, -1)'),
    (str(0.1 + 0.2), '0.30000000000000004', 'str(0.1 + 0.2)'),
    (str(1e16), '1e+16', 'str(1e16)'),
    (-7 % 2.5, 0.5, '-7 % 2.5'),
    (int(-0.5), 0, 'int(-0.5)'),
    (round(-0.5), 0, 'round(-0.5)'),
    (math.trunc(-2.7), -2, 'math.trunc(-2.7)'),
]

# lambdas: keys, defaults bound when made, *args
CHECKS += [
    (sorted([3, 1, 2], key=lambda v: -v), [3, 2, 1], 'sorted key lambda'),
    (max(['aa', 'b', 'ccc'], key=lambda s: len(s)), 'ccc', 'max key lambda'),
    ((lambda a, b=2, *r, **k: (a, b, r, sorted(k)))(1, 5, 6, z=1), (1, 5, (6,), ['z']), 'lambda parameters'),
    ([f(10) for f in [lambda x, k=k: x + k for k in range(3)]], [10, 11, 12], 'lambda defaults'),
    ((lambda: 7)(), 7, 'lambda without parameters'),
]

# closures look names up when they run, as Python's cells do
def _late_loop():
    fns = []
    for i in range(3):
        fns.append(lambda: i)
    return [f() for f in fns]


def _defined_later():
    def width():
        return base * 2
    base = 4
    return width()


def _counter_factory(start):
    def step(n):
        return start + n + (step_size if n else 0)
    step_size = 10
    return step


def _nested_twice():
    a = 1
    def outer():
        def inner():
            return a + b
        b = 20
        return inner
    f = outer()
    a = 100
    return f()


def _siblings():
    def even(n):
        return True if n == 0 else odd(n - 1)
    def odd(n):
        return False if n == 0 else even(n - 1)
    return even


CHECKS += [
    (_late_loop(), [2, 2, 2], 'lambdas made in a loop see its last value'),
    ([f() for f in [lambda: k for k in range(3)]], [2, 2, 2], 'lambdas made in a comprehension'),
    (_defined_later(), 8, 'a name assigned after the nested def'),
    (_counter_factory(5)(1), 16, 'a closure called after its maker returned'),
    (_nested_twice(), 120, 'two levels of enclosing functions'),
    (_siblings()(7), False, 'nested functions calling each other after their maker returned'),
]

for got, want, text in CHECKS:
    assert got == want and type(got) == type(want), text


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, round(1250, -2) // 100)      # 12
        self.b = nn.Linear(12, int(round(2.675, 2) * 100))  # 267
        self.c = nn.Linear(267, -7 // 2 + 9)                # 5

    def forward(self, x):
        return self.c(self.b(self.a(x)))
