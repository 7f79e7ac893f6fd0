# A wrong answer: the assertion fails, the verdict is "failed".
def add(a, b):
    return a - b

assert add(2, 2) == 4, f"add(2, 2) returned {add(2, 2)}"
