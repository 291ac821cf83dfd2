# A ViT-style model: class token and position embedding as nn.Parameter(torch.randn(...)), and an
# init loop over the modules (modulelab's own test model).
import torch
import torch.nn as nn


class TinyViT(nn.Module):
    def __init__(self, dim=16, patches=4, classes=5):
        super().__init__()
        self.embed = nn.Linear(12, dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, patches + 1, dim) * 0.02)
        self.norm = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.head = nn.Linear(dim, classes)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.zeros_(self.head.weight)
        nn.init.constant_(self.head.bias, 0.25)

    def forward(self, x):
        x = self.embed(x) + self.cls_token + self.pos_embedding.mean()
        x = x + self.mlp(self.norm(x))
        return self.head(x) + x.mean()


# input: 2,4,12
