#pragma once

#include "engine/argvalue.h"
#include "engine/module.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ml::detail {

struct FunctionDef;
struct ClassDef;
struct DictData;

// A Python value during evaluation: model construction and (symbolic or real) forward.
// Lists and dicts are shared and mutable as in Python; everything else is a value.
struct Value {
    enum class Kind {
        None, Int, Float, Bool, Str, Tensor, Module, List, Tuple, Namespace,
        Builtin,  // s = qualified name ("len", "math.sqrt", "torch.nn.Conv2d")
        Method,   // s = method name; items = {receiver}; fn set for a method of the file
        Function, // fn: a function of the file
        Class,    // cls: a class of the file
        Dict, Range, Slice,
        Partial,  // functools.partial: items = {callee, args...}; dict = keywords
    };

    Kind kind = Kind::None;
    int64_t i = 0;
    double f = 0.0;
    bool b = false;
    std::string s;                      // Str; Namespace/Builtin name; Method name
    Shape shape;                        // Tensor (b: while the model is built, every element is f:
                                        // torch.zeros, torch.ones, torch.full)
    std::shared_ptr<const Tensor> data; // Tensor, real mode only
    const Module* module = nullptr;     // Module
    std::vector<Value> items;           // Tuple elements; Method: {receiver}; Range/Slice: {start, stop, step}
    std::shared_ptr<std::vector<Value>> list; // List
    std::shared_ptr<DictData> dict;           // Dict (also OrderedDict)
    std::shared_ptr<const FunctionDef> fn;    // Function, Method of the file
    std::shared_ptr<ClassDef> cls;            // Class

    Value() = default;
    Value(const Value&) = default;
    Value(Value&&) noexcept = default;
    Value& operator=(const Value&) = default;
    Value& operator=(Value&&) noexcept = default;
    // Takes nested lists, tuples and dicts apart one level at a time: a value nested a million
    // levels deep is destroyed without recursing through the native stack.
    ~Value();

    static Value none() { return {}; }
    static Value ofInt(int64_t v) { Value x; x.kind = Kind::Int; x.i = v; return x; }
    static Value ofFloat(double v) { Value x; x.kind = Kind::Float; x.f = v; return x; }
    static Value ofBool(bool v) { Value x; x.kind = Kind::Bool; x.b = v; return x; }
    static Value ofStr(std::string v) { Value x; x.kind = Kind::Str; x.s = std::move(v); return x; }
    static Value ofModule(const Module* m) { Value x; x.kind = Kind::Module; x.module = m; return x; }
    static Value ofBuiltin(std::string name) { Value x; x.kind = Kind::Builtin; x.s = std::move(name); return x; }
    static Value ofNamespace(std::string name) { Value x; x.kind = Kind::Namespace; x.s = std::move(name); return x; }
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
        if (kind == Kind::List)
            x.list = std::make_shared<std::vector<Value>>(std::move(items));
        else
            x.items = std::move(items);
        return x;
    }
    static Value ofList(std::vector<Value> items) { return ofSequence(Kind::List, std::move(items)); }
    static Value ofTuple(std::vector<Value> items) { return ofSequence(Kind::Tuple, std::move(items)); }

    bool isTensor() const { return kind == Kind::Tensor; }
    bool isInt() const { return kind == Kind::Int || kind == Kind::Bool; }
    bool isNumber() const { return kind == Kind::Int || kind == Kind::Float || kind == Kind::Bool; }
    bool isSequence() const { return kind == Kind::List || kind == Kind::Tuple; }
    double number() const { return kind == Kind::Float ? f : kind == Kind::Bool ? (b ? 1.0 : 0.0) : static_cast<double>(i); }
    int64_t integer() const { return kind == Kind::Bool ? (b ? 1 : 0) : i; }
    // The elements of a list or tuple.
    const std::vector<Value>& elements() const { return kind == Kind::List ? *list : items; }
};

// An ordered dict (Python dicts keep insertion order).
struct DictData {
    std::vector<std::pair<Value, Value>> entries;
    bool ordered = false; // made by collections.OrderedDict
};

// The Python type name as error messages print it ("Tensor", "int", "ModuleList").
std::string typeNameOf(const Value& v);

// A value as a layer argument (None, bool, int, float, str, a tuple or list of ints); false for
// anything else. fromArgValue gives it back as Python sees it (tuples as tuples).
bool toArgValue(const Value& v, ArgValue& out);
Value fromArgValue(const ArgValue& a);

} // namespace ml::detail
