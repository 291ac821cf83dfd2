#pragma once

#include "engine/analysis/value.h"
#include "engine/diagnostic.h"
#include "engine/initrecipe.h"
#include "engine/program.h"

#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ml::detail {

// Whose limit an evaluation error is (docs/python-subset.md, "Messages").
enum class ErrorKind {
    Python,   // Python or PyTorch raises here too; the message is theirs
    NotYet,   // ModuleLab's own limit: "not supported by ModuleLab yet: ..."
    Shape,    // a shape error PyTorch raises in forward (message already explains)
};

// Raised at the line that fails; the evaluation stops.
struct EvalError {
    SourceLoc loc;
    std::string message;
    ErrorKind kind = ErrorKind::Python;
    std::string path; // the module whose code was running ("" for the file's top level)
};

// The names of a running function call that the functions defined inside it read, as Python's
// cells do: the call's own names while it runs, their last values once it has returned. The
// evaluator owns every one (a function and the names it reads may hold each other).
struct Enclosing {
    const std::map<std::string, Value, std::less<>>* live = nullptr; // the running call's names
    std::map<std::string, Value, std::less<>> last;                   // once it has returned
    std::shared_ptr<const Enclosing> outer;                           // the call around that one
    // The name here or further out; nullptr when none of them holds it.
    const Value* find(std::string_view name) const;
};

// A function or method of the file.
struct FunctionDef : std::enable_shared_from_this<FunctionDef> {
    std::string name;
    std::vector<Param> params;
    const std::vector<Stmt>* body = nullptr; // owned by the source file or the module's program
    std::shared_ptr<const std::vector<Stmt>> lambdaBody; // a lambda's `return body` (body points here)
    std::vector<Value> defaults;             // per parameter; kind None with hasDefault false when none
    std::vector<bool> hasDefault;
    std::shared_ptr<ClassDef> owner;         // the class that defines a method (for super())
    // A nested function's (or lambda's) enclosing names, looked up when it runs as in Python;
    // empty for the file's own functions and methods.
    std::weak_ptr<const Enclosing> closure;
    bool nested = false;
    bool isStatic = false;
    bool isClassMethod = false;
    bool isProperty = false;
    SourceLoc loc;
};

// A class of the file.
struct ClassDef {
    std::string name;
    std::vector<std::shared_ptr<ClassDef>> bases;
    std::string torchBase;                          // "torch.nn.Module" when it derives from it (directly or not)
    std::vector<std::pair<std::string, Value>> attrs; // class attributes and methods, in order
    SourceLoc loc;

    const Value* own(std::string_view name) const;
    // Attribute lookup along the bases (depth first, left to right), skipping classes until
    // `after` has been passed when given (super()).
    const Value* lookup(std::string_view name, const ClassDef* after = nullptr) const;
    bool derivesFrom(const ClassDef* other) const;
};

// Marks a list that is a slice of an nn.Sequential: calling it runs its modules in order.
inline constexpr const char* kSequentialSlice = "Sequential slice";
// The method super().forward names in a class derived from a container: the container's forward.
inline constexpr const char* kContainerForward = "forward of the container";
// The torchBase of a class made by collections.namedtuple (its `_fields` attribute names them).
inline constexpr const char* kNamedTuple = "collections.namedtuple";

// The file's own module (sys.modules[__name__]): a Namespace whose attributes are the global names.
inline constexpr const char* kThisModule = "\x01this module";

// The deepest module tree the evaluator builds (levels of children below the model).
inline constexpr int kMaxModuleNesting = 100;
// The deepest tuple inside a tuple (Python's own printing and comparing stop near 1000).
inline constexpr int kMaxTupleNesting = 1000;
// The most values tuples inside a value may hold in all (each read of the value copies them).
inline constexpr int64_t kMaxTupleValues = 100'000;

struct Limits {
    int64_t steps = 20'000'000;     // statements and expressions evaluated
    int callDepth = 200;            // nested calls of the file's functions
    int64_t collection = 1'000'000; // elements of one list, tuple, dict or string
    int64_t modules = 100'000;      // modules one file may build
};

// One Python evaluator: it runs the file's module-level code and __init__ methods to build the
// module tree, and forward programs over that tree (Interpreter). Values, statements and
// expressions have Python's semantics on a bounded object model; what ModuleLab does not
// know gives a located "not supported by ModuleLab yet" error.
struct BuiltinCall;

class Evaluator {
    friend struct BuiltinCall; // the builtins (builtins.cpp) use the evaluator's Python semantics

public:
    using Scope = std::map<std::string, Value, std::less<>>;
    using Args = std::vector<Value>;
    using Kwargs = std::vector<std::pair<std::string, Value>>;

    struct Frame {
        Scope locals;
        Value self;                      // None outside methods
        std::shared_ptr<ClassDef> cls;   // the class whose method runs (super())
        std::string path;                // of self's module
        Value returned;
        std::shared_ptr<const Enclosing> outer; // names of the calls around a nested function's call
        std::shared_ptr<Enclosing> cells;       // these locals, for the functions defined here
        Frame() = default;
        Frame(const Frame&) = default;
        Frame& operator=(const Frame&) = default;
        ~Frame(); // the functions defined here keep the locals' last values
    };

    explicit Evaluator(std::string fileName, Limits limits = {});
    virtual ~Evaluator();
    Evaluator(const Evaluator&) = delete;
    Evaluator& operator=(const Evaluator&) = delete;

    Scope& globals() { return m_globals; }
    const std::string& fileName() const { return m_file; }

    // Control flow as signals: a block ends normally or with break / continue / return.
    enum class Flow { Normal, Break, Continue, Return };
    Flow execBlock(const std::vector<Stmt>& body, Frame& f);
    Flow exec(const Stmt& s, Frame& f);
    // try/except/else/finally (tryexcept.cpp): a Python exception the code raises is caught by a
    // matching handler; ModuleLab's own limits never are.
    Flow execTry(const Stmt& s, Frame& f);
    Value eval(const Expr& e, Frame& f);
    Value call(const Value& callee, Args args, Kwargs kwargs, SourceLoc loc, Frame& f);
    Value callFunction(const FunctionDef& fn, const Value* self, Args args, Kwargs kwargs, SourceLoc loc,
                       std::shared_ptr<ClassDef> cls = nullptr);

    // Module-level names: what an import binds ("torch.nn" for `import torch.nn as nn`).
    static Value importValue(const std::string& qualified);
    static bool isBuiltinName(const std::string& name);
    // Python has this builtin (ModuleLab may not implement it: then it is not supported yet, never a NameError).
    static bool isPythonBuiltinName(const std::string& name);
    // CPython's type of RECEIVER has method NAME (for honest messages about methods ModuleLab lacks).
    static bool isPythonMethod(const Value& receiver, const std::string& name);

    [[noreturn]] void fail(SourceLoc loc, std::string message, ErrorKind kind = ErrorKind::Python);
    [[noreturn]] void notYet(SourceLoc loc, const std::string& what) { fail(loc, "not supported by ModuleLab yet: " + what, ErrorKind::NotYet); }
    void warn(SourceLoc loc, std::string message, Severity s = Severity::Warning);
    std::vector<Diagnostic>& notes() { return m_notes; }

    // ---- Python semantics shared by every part -------------------------------------------
    bool truthy(const Value& v, SourceLoc loc);
    bool equal(const Value& a, const Value& b);
    std::string str(const Value& v);
    std::string repr(const Value& v);
    std::vector<Value> iterate(const Value& v, SourceLoc loc);
    Value getAttr(const Value& obj, const std::string& name, SourceLoc loc, Frame& f);
    void setAttr(const Value& obj, const std::string& name, Value v, SourceLoc loc, Frame& f);
    Value subscript(const Value& obj, const Value& index, SourceLoc loc, Frame& f);
    Value binary(const std::string& op, const Value& a, const Value& b, SourceLoc loc);
    std::string formatValue(const Value& v, const std::string& spec, SourceLoc loc);
    int64_t checkedCount(int64_t n, SourceLoc loc, const char* what);
    // Before going deeper: a located error while a safe margin of the native stack is still free
    // (StackGuard), whatever the thread's stack size.
    void guardStack(SourceLoc loc);
    // Counts the values `items` hold by value (tuples inside tuples are copied whole), `times`
    // over, against the step budget; fails past the collection limit or kMaxTupleNesting.
    void chargeHeld(const std::vector<Value>& items, SourceLoc loc, int64_t times = 1);

protected:
    // ---- the module tree under construction (torchnn.cpp) ------------------------------
    struct Instance {
        std::shared_ptr<ClassDef> cls;
        Scope attrs;                                 // plain attributes (self.expansion = 4)
        std::vector<std::string> attrOrder;
        bool superCalled = false;
        std::vector<std::pair<std::string, int>> plainLists; // attribute, child index at assignment
    };
    Value callTorch(const std::string& name, Args args, Kwargs kwargs, SourceLoc loc, Frame& f);
    Value makeLayer(const std::string& type, Args args, Kwargs kwargs, SourceLoc loc, const std::vector<SourceLoc>& argLocs);
    Value makeContainer(const std::string& type, Args args, Kwargs kwargs, SourceLoc loc);
    void fillContainer(Module& cont, const std::string& type, Args args, Kwargs kwargs, SourceLoc loc);
    // The forward PyTorch's container class gives (super().forward(x) in a derived class).
    Value containerForward(const Module& m, Args args, Kwargs kwargs, SourceLoc loc);
    Value instantiate(const std::shared_ptr<ClassDef>& cls, Args args, Kwargs kwargs, SourceLoc loc);
    // collections.namedtuple(typename, field_names): a class whose instances are tuples with
    // named fields (Value::cls set on the tuple).
    Value namedTupleClass(Args args, Kwargs kwargs, SourceLoc loc);
    Value makeNamedTuple(const std::shared_ptr<ClassDef>& cls, Args args, Kwargs kwargs, SourceLoc loc);
    void finishInstance(Module& m, Instance& inst);
    void canonicalize(Expr& e, const std::set<std::string>& locals);
    std::optional<Expr> lambdaLiteral(const Value& fn);
    void canonicalize(std::vector<Stmt>& body, const std::set<std::string>& locals);
    void canonicalize(std::vector<Stmt>& body, const std::vector<std::string>& params);
    // Takes a module to place it in a tree, `levelsAbove` levels below the model (0: the model).
    std::unique_ptr<Module> adoptModule(const Value& v, SourceLoc loc, int levelsAbove = 1);
    void attachChild(Module& parent, const std::string& name, const Value& child, SourceLoc loc);
    Value moduleMethod(const Value& self, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc, Frame& f);
    Value moduleAttr(const Value& obj, const std::string& name, SourceLoc loc, Frame& f, bool& found);
    // A parameter or buffer of a module of the file (self.w, self.running_mean), if it has one.
    std::optional<Value> ownTensor(const Module& m, const std::string& name) const;
    // register_buffer / register_parameter (viaRegister) or `self.NAME = nn.Parameter(...)`.
    void registerTensor(CustomModule& m, Instance& in, const std::string& name, const Value& v, bool buffer, bool persistent,
                        bool viaRegister, SourceLoc loc);
    void countModules(int64_t n, SourceLoc loc);
    // Every place of m in the trees being built (m itself when it is stored once): the copies
    // that are one PyTorch object.
    std::vector<Module*> placesOf(const Module& m);
    // After a change of a module stored in several places (model[0].append(...)), every other
    // place gets the same children and flags, as PyTorch has one object.
    void syncShared(const Module& changed, SourceLoc loc);
    // A program's method (self first) or module-level function as a function the evaluator calls.
    std::shared_ptr<FunctionDef> programFunction(const Method& meth);

    // setattr(sys.modules[__name__], name, v): a global name of the file.
    virtual void setModuleGlobal(const std::string& name, Value v) { m_globals[name] = std::move(v); }

    // Forward hooks, overridden by the Interpreter.
    virtual Value callModule(const Module& m, Args args, Kwargs kwargs, SourceLoc loc);
    virtual Value tensorMethod(const Value& x, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc);
    virtual Value tensorFunction(const std::string& name, Args args, Kwargs kwargs, SourceLoc loc);
    virtual bool isTraining(const Module& m) const;
    // forward read a parameter (self.scale, self.fc.weight): `copy` holds the values of `source`.
    virtual void parameterRead(const Tensor& source, const std::shared_ptr<const Tensor>& copy) const
    {
        (void)source;
        (void)copy;
    }

    // ---- parameters as values (parameters.cpp) -----------------------------------------
    // A parameter (model.fc.weight, an item of parameters()): s = "parameter", module = the module
    // holding it, items = {its name}. nn.Parameter(...) before a module holds it: module nullptr,
    // items = {requires_grad} when given.
    static Value parameterValue(Shape shape, std::shared_ptr<const Tensor> data, const Module* owner, const std::string& name);
    static std::optional<bool> parameterRequiresGrad(const Value& t); // nullopt: not a parameter
    // A buffer of a module (model.bn.running_var): while the model is built it names its module
    // as a parameter value does (s = "buffer"), so in-place changes reach it.
    Value bufferValue(Shape shape, std::shared_ptr<const Tensor> data, const Module& owner, const std::string& name) const;
    // p.requires_grad = flag / p.requires_grad_(flag): recorded in the module tree, at every place
    // of a module stored in several places; returns the parameter.
    Value setRequiresGrad(const Value& t, bool requiresGrad, SourceLoc loc);

    // ---- the initialisation the code makes (initcode.cpp) -------------------------------
    // Recorded in the order PyTorch makes it while the model is built: layers' construction,
    // tensors the code creates (each carries its slot in Value::i; 0: none), nn.init calls and
    // in-place changes. Modules are named by pointer until the model is chosen (initRecipeFor).
    struct InitEvent {
        InitStep step;
        const Module* module = nullptr;     // of step.target
        const Module* fromModule = nullptr; // of step.from
    };
    void recordReset(const Module& layer);
    // A new tensor of the code (torch.zeros/empty/randn/...): t with a slot, every element `fill`,
    // then `op` (Normal, Uniform or Copy of values) when it is random or given.
    Value newInitTensor(Value t, double fill, std::optional<InitStep> op = std::nullopt);
    // torch.nn.init.NAME(...) while building.
    Value initFunction(const std::string& name, Args args, Kwargs kwargs, SourceLoc loc);
    // An in-place method (normal_, uniform_, zero_, fill_, copy_, mul_, add_) on a parameter,
    // buffer or tensor of the code while building.
    Value initMethod(const Value& x, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc);
    // tensor * number, tensor + number, tensor - number on a tensor of the code while building.
    std::optional<Value> initArithmetic(const std::string& op, const Value& a, const Value& b);
    // `t` becomes module m's parameter or buffer `name`.
    void recordBind(const Value& t, const Module& m, const std::string& name, SourceLoc loc);
    // The steps of the chosen model (nullptr when they are PyTorch's default initialisation).
    std::shared_ptr<const InitRecipe> initRecipeFor(const Module& root) const;
    std::vector<InitEvent> m_initEvents;
    std::unordered_map<const Module*, std::pair<size_t, size_t>> m_builtSpan; // events while each module was built
    std::set<int64_t> m_unsetSlots; // torch.empty tensors nothing has written yet
    int64_t m_nextSlot = 0;

    // ---- builtins (builtins.cpp) -------------------------------------------------------
    Value callBuiltin(const std::string& name, Args args, Kwargs kwargs, SourceLoc loc, Frame& f);
    Value callMethod(const Value& receiver, const std::string& name, Args args, Kwargs kwargs, SourceLoc loc, Frame& f);
    Value percentFormat(const std::string& fmt, const Value& args, SourceLoc loc);
    Value strFormat(const std::string& fmt, const Args& args, const Kwargs& kwargs, SourceLoc loc);

    Frame* m_frame = nullptr; // the innermost running frame
    std::vector<SourceLoc> m_callArgLocs; // where the arguments of the call being made were written
    const Expr* m_callExpr = nullptr;     // the call being made, for messages that quote it
    const Expr* m_attrExpr = nullptr;     // the attribute being read, for messages that quote it
    std::string m_file;
    Limits m_limits;
    Scope m_globals;
    // Every class the file defined, also one whose definition failed half-way: the destructor
    // breaks the cycles between classes and their methods.
    std::vector<std::weak_ptr<ClassDef>> m_classDefs;
    std::vector<std::shared_ptr<Enclosing>> m_enclosings; // of every call that defined a function
    std::vector<Diagnostic> m_notes;
    int64_t m_steps = 0;
    int m_depth = 0;
    SourceLoc m_loc;           // of the statement or expression being evaluated
    int m_valueDepth = 0;      // nested lists, tuples and dicts being printed or compared
    std::vector<const void*> m_reprActive; // lists and dicts being printed (a list holding itself prints [...])
    // Entered by the functions that recurse into nested values (repr, ==, <, in): Python's own
    // RecursionError where Python stops too, ModuleLab's error before the native stack runs out.
    struct ValueNesting {
        Evaluator& e;
        ValueNesting(Evaluator& ev, const char* pythonMessage);
        ~ValueNesting() { --e.m_valueDepth; }
        ValueNesting(const ValueNesting&) = delete;
        ValueNesting& operator=(const ValueNesting&) = delete;
    };
    int64_t m_moduleCount = 0;
    std::unordered_map<const Module*, std::unique_ptr<Module>> m_pool; // built, not yet placed
    std::vector<std::unique_ptr<Module>> m_replaced; // taken out of a tree; values may still name them
    std::unordered_map<const Module*, Instance> m_instances;             // modules of file classes
    std::unordered_map<const Method*, std::shared_ptr<FunctionDef>> m_methodCache; // program methods as functions
    std::vector<std::string> m_building_stack; // classes being instantiated, outermost first
    std::vector<std::string> m_usedFunctions;  // module-level functions the forward being prepared calls
    bool m_building = true; // model construction (false while forward runs)

private:
    void step(SourceLoc loc);
    void assign(const Expr& target, Value v, Frame& f, SourceLoc loc);
    Value nestedFunction(const std::string& name, const std::vector<Param>& params, const std::vector<Stmt>& body, SourceLoc loc,
                         Frame& f, std::shared_ptr<const std::vector<Stmt>> lambdaBody = nullptr);
    Value lambdaFunction(const Expr& e, Frame& f);
    void assignNames(const std::vector<std::string>& names, const Value& v, Frame& f, SourceLoc loc);
    Value lookupName(const std::string& name, SourceLoc loc, Frame& f);
    Value evalCall(const Expr& e, Frame& f);
    const Expr* inPlaceTarget(const Expr& e, const Value& callee, const Args& args, const Kwargs& kwargs);
    void rebindInPlace(const std::string& name, const Value& result, Frame& f, SourceLoc loc);
    Value evalComp(const Expr& e, Frame& f);
    Value evalCompare(const Expr& e, Frame& f);
    bool contains(const Value& container, const Value& item, SourceLoc loc);
    bool less(const Value& a, const Value& b, SourceLoc loc);
    Value unary(const Expr& e, Frame& f);
    Value evalFString(const Expr& e, Frame& f);
    std::vector<Value> sequenceOf(const Value& v, SourceLoc loc) { return iterate(v, loc); }
};

} // namespace ml::detail
