# A program that passes: it runs to its end.
def greet(name: str) -> str:
    return f"hello, {name}"

assert greet("codetree") == "hello, codetree"
print(greet("sandbox"))
