#pragma once

#include "engine/module.h"

#include <memory>
#include <string>
#include <vector>

namespace ml::detail {

// A Python value during (symbolic or real) evaluation of a forward program.
struct Value {
    enum class Kind { None, Int, Float, Bool, Str, Tensor, Module, List, Tuple, Namespace, Function, Method };

    Kind kind = Kind::None;
    int64_t i = 0;
    double f = 0.0;
    bool b = false;
    std::string s;                      // Str; Namespace ("F", "torch", "nn"); Function/Method name
    Shape shape;                        // Tensor
    std::shared_ptr<const Tensor> data; // Tensor, real mode only
    const Module* module = nullptr;     // Module
    std::vector<Value> items;           // List/Tuple elements; Method: {receiver}

    static Value none() { return {}; }
    static Value ofInt(int64_t v) { Value x; x.kind = Kind::Int; x.i = v; return x; }
    static Value ofFloat(double v) { Value x; x.kind = Kind::Float; x.f = v; return x; }
    static Value ofBool(bool v) { Value x; x.kind = Kind::Bool; x.b = v; return x; }
    static Value ofStr(std::string v) { Value x; x.kind = Kind::Str; x.s = std::move(v); return x; }
    static Value ofModule(const Module* m) { Value x; x.kind = Kind::Module; x.module = m; return x; }
    static Value ofTensor(Shape shape, std::shared_ptr<const Tensor> data)
    {
        Value x;
        x.kind = Kind::Tensor;
        x.shape = std::move(shape);
        x.data = std::move(data);
        return x;
    }
    static Value ofSequence(Kind kind, std::vector<Value> items)
    {
        Value x;
        x.kind = kind;
        x.items = std::move(items);
        return x;
    }

    bool isTensor() const { return kind == Kind::Tensor; }
    bool isInt() const { return kind == Kind::Int || kind == Kind::Bool; }
    bool isNumber() const { return kind == Kind::Int || kind == Kind::Float || kind == Kind::Bool; }
    double number() const { return kind == Kind::Float ? f : kind == Kind::Bool ? (b ? 1.0 : 0.0) : static_cast<double>(i); }
    int64_t integer() const { return kind == Kind::Bool ? (b ? 1 : 0) : i; }
};

// The Python type name as error messages print it ("Tensor", "int", "ModuleList").
std::string typeNameOf(const Value& v);

} // namespace ml::detail
