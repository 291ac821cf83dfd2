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
