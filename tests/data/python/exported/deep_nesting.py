import torch
import torch.nn as nn
import torch.nn.functional as F
from collections import OrderedDict


class Deep(nn.Module):
    def __init__(self):
        super().__init__()
        _nested1 = nn.Sequential()
        _nested1.append(nn.Linear(4, 4))
        _nested2 = nn.Sequential()
        _nested3 = nn.Sequential()
        _nested3.append(nn.Linear(4, 4))
        _nested4 = nn.Sequential()
        _nested5 = nn.Sequential()
        _nested5.append(nn.Linear(4, 4))
        _nested6 = nn.Sequential()
        _nested7 = nn.Sequential()
        _nested7.append(nn.Linear(4, 4))
        _nested8 = nn.Sequential()
        _nested9 = nn.Sequential()
        _nested9.append(nn.Linear(4, 4))
        _nested10 = nn.Sequential()
        _nested11 = nn.Sequential()
        _nested11.append(nn.Linear(4, 4))
        _nested12 = nn.Sequential()
        _nested13 = nn.Sequential()
        _nested13.append(nn.Linear(4, 4))
        _nested14 = nn.Sequential()
        _nested15 = nn.Sequential()
        _nested15.append(nn.Linear(4, 4))
        _nested16 = nn.Sequential()
        _nested17 = nn.Sequential()
        _nested17.append(nn.Linear(4, 4))
        _nested18 = nn.Sequential()
        _nested19 = nn.Sequential()
        _nested19.append(nn.Linear(4, 4))
        _nested20 = nn.Sequential()
        _nested21 = nn.Sequential()
        _nested21.append(nn.Linear(4, 4))
        _nested22 = nn.Sequential()
        _nested23 = nn.Sequential()
        _nested23.append(nn.Linear(4, 4))
        _nested24 = nn.Sequential()
        _nested25 = nn.Sequential()
        _nested25.append(nn.Linear(4, 4))
        _nested26 = nn.Sequential()
        _nested27 = nn.Sequential()
        _nested27.append(nn.Linear(4, 4))
        _nested28 = nn.Sequential()
        _nested29 = nn.Sequential()
        _nested29.append(nn.Linear(4, 4))
        _nested30 = nn.Sequential()
        _nested31 = nn.Sequential()
        _nested31.append(nn.Linear(4, 4))
        _nested32 = nn.Sequential()
        _nested33 = nn.Sequential()
        _nested33.append(nn.Linear(4, 4))
        _nested33.append(nn.Sequential(OrderedDict([
            ('inner', nn.Sequential(
                nn.Linear(4, 4),
                nn.Sequential(OrderedDict([
                    ('inner', nn.Sequential(
                        nn.Linear(4, 4),
                        nn.Sequential(OrderedDict([
                            ('inner', nn.Sequential(
                                nn.Linear(4, 4),
                                nn.Sequential(OrderedDict([
                                    ('inner', nn.Sequential(
                                        nn.Linear(4, 4),
                                        nn.Sequential(OrderedDict([
                                            ('inner', nn.Sequential(
                                                nn.Linear(4, 4),
                                                nn.Sequential(OrderedDict([
                                                    ('inner', nn.Sequential(
                                                        nn.Linear(4, 4),
                                                        nn.Linear(4, 4),
                                                    )),
                                                    ('act', nn.Tanh()),
                                                ])),
                                            )),
                                            ('act', nn.Tanh()),
                                        ])),
                                    )),
                                    ('act', nn.Tanh()),
                                ])),
                            )),
                            ('act', nn.Tanh()),
                        ])),
                    )),
                    ('act', nn.Tanh()),
                ])),
            )),
            ('act', nn.Tanh()),
        ])))
        _nested32.add_module('inner', _nested33)
        _nested32.add_module('act', nn.Tanh())
        _nested31.append(_nested32)
        _nested30.add_module('inner', _nested31)
        _nested30.add_module('act', nn.Tanh())
        _nested29.append(_nested30)
        _nested28.add_module('inner', _nested29)
        _nested28.add_module('act', nn.Tanh())
        _nested27.append(_nested28)
        _nested26.add_module('inner', _nested27)
        _nested26.add_module('act', nn.Tanh())
        _nested25.append(_nested26)
        _nested24.add_module('inner', _nested25)
        _nested24.add_module('act', nn.Tanh())
        _nested23.append(_nested24)
        _nested22.add_module('inner', _nested23)
        _nested22.add_module('act', nn.Tanh())
        _nested21.append(_nested22)
        _nested20.add_module('inner', _nested21)
        _nested20.add_module('act', nn.Tanh())
        _nested19.append(_nested20)
        _nested18.add_module('inner', _nested19)
        _nested18.add_module('act', nn.Tanh())
        _nested17.append(_nested18)
        _nested16.add_module('inner', _nested17)
        _nested16.add_module('act', nn.Tanh())
        _nested15.append(_nested16)
        _nested14.add_module('inner', _nested15)
        _nested14.add_module('act', nn.Tanh())
        _nested13.append(_nested14)
        _nested12.add_module('inner', _nested13)
        _nested12.add_module('act', nn.Tanh())
        _nested11.append(_nested12)
        _nested10.add_module('inner', _nested11)
        _nested10.add_module('act', nn.Tanh())
        _nested9.append(_nested10)
        _nested8.add_module('inner', _nested9)
        _nested8.add_module('act', nn.Tanh())
        _nested7.append(_nested8)
        _nested6.add_module('inner', _nested7)
        _nested6.add_module('act', nn.Tanh())
        _nested5.append(_nested6)
        _nested4.add_module('inner', _nested5)
        _nested4.add_module('act', nn.Tanh())
        _nested3.append(_nested4)
        _nested2.add_module('inner', _nested3)
        _nested2.add_module('act', nn.Tanh())
        _nested1.append(_nested2)
        self.body = _nested1
        _nested34 = nn.ModuleDict()
        _nested35 = nn.ModuleDict()
        _nested36 = nn.ModuleDict()
        _nested37 = nn.ModuleDict()
        _nested38 = nn.ModuleDict()
        _nested39 = nn.ModuleDict()
        _nested40 = nn.ModuleDict()
        _nested41 = nn.ModuleDict()
        _nested42 = nn.ModuleDict()
        _nested43 = nn.ModuleDict()
        _nested44 = nn.ModuleDict()
        _nested45 = nn.ModuleDict()
        _nested46 = nn.ModuleDict()
        _nested47 = nn.ModuleDict()
        _nested48 = nn.ModuleDict()
        _nested49 = nn.ModuleDict()
        _nested50 = nn.ModuleDict()
        _nested51 = nn.ModuleDict()
        _nested52 = nn.ModuleDict()
        _nested53 = nn.ModuleDict()
        _nested54 = nn.ModuleDict()
        _nested55 = nn.ModuleDict()
        _nested56 = nn.ModuleDict()
        _nested56['next'] = nn.ModuleDict({
            'next': nn.ModuleDict({
                'next': nn.ModuleDict({
                    'next': nn.ModuleDict({
                        'next': nn.ModuleDict({
                            'next': nn.ModuleDict({
                                'next': nn.ModuleDict({
                                    'next': nn.ModuleDict({
                                        'next': nn.ModuleDict({
                                            'next': nn.ModuleDict({
                                                'next': nn.ModuleDict({
                                                    'next': nn.ModuleDict({
                                                        'next': nn.Linear(4, 2),
                                                        'side': nn.Linear(2, 2),
                                                    }),
                                                    'side': nn.Linear(2, 2),
                                                }),
                                                'side': nn.Linear(2, 2),
                                            }),
                                            'side': nn.Linear(2, 2),
                                        }),
                                        'side': nn.Linear(2, 2),
                                    }),
                                    'side': nn.Linear(2, 2),
                                }),
                                'side': nn.Linear(2, 2),
                            }),
                            'side': nn.Linear(2, 2),
                        }),
                        'side': nn.Linear(2, 2),
                    }),
                    'side': nn.Linear(2, 2),
                }),
                'side': nn.Linear(2, 2),
            }),
            'side': nn.Linear(2, 2),
        })
        _nested56['side'] = nn.Linear(2, 2)
        _nested55['next'] = _nested56
        _nested55['side'] = nn.Linear(2, 2)
        _nested54['next'] = _nested55
        _nested54['side'] = nn.Linear(2, 2)
        _nested53['next'] = _nested54
        _nested53['side'] = nn.Linear(2, 2)
        _nested52['next'] = _nested53
        _nested52['side'] = nn.Linear(2, 2)
        _nested51['next'] = _nested52
        _nested51['side'] = nn.Linear(2, 2)
        _nested50['next'] = _nested51
        _nested50['side'] = nn.Linear(2, 2)
        _nested49['next'] = _nested50
        _nested49['side'] = nn.Linear(2, 2)
        _nested48['next'] = _nested49
        _nested48['side'] = nn.Linear(2, 2)
        _nested47['next'] = _nested48
        _nested47['side'] = nn.Linear(2, 2)
        _nested46['next'] = _nested47
        _nested46['side'] = nn.Linear(2, 2)
        _nested45['next'] = _nested46
        _nested45['side'] = nn.Linear(2, 2)
        _nested44['next'] = _nested45
        _nested44['side'] = nn.Linear(2, 2)
        _nested43['next'] = _nested44
        _nested43['side'] = nn.Linear(2, 2)
        _nested42['next'] = _nested43
        _nested42['side'] = nn.Linear(2, 2)
        _nested41['next'] = _nested42
        _nested41['side'] = nn.Linear(2, 2)
        _nested40['next'] = _nested41
        _nested40['side'] = nn.Linear(2, 2)
        _nested39['next'] = _nested40
        _nested39['side'] = nn.Linear(2, 2)
        _nested38['next'] = _nested39
        _nested38['side'] = nn.Linear(2, 2)
        _nested37['next'] = _nested38
        _nested37['side'] = nn.Linear(2, 2)
        _nested36['next'] = _nested37
        _nested36['side'] = nn.Linear(2, 2)
        _nested35['next'] = _nested36
        _nested35['side'] = nn.Linear(2, 2)
        _nested34['next'] = _nested35
        _nested34['side'] = nn.Linear(2, 2)
        self.table = _nested34
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(self.body(x))


model = Deep()
# input: 2,4
