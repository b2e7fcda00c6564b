"""The judge's remembered work (issue 17) gives what doing it afresh gives: node counts, chunks, float atoms,
expansion sizes, converted maps; a small exact check run in process decides as the forked one does."""

import math
import random

import pytest
import symengine as se

from symbp.claims.notation import Notation
from symbp.judge import evaluate
from symbp.judge.evaluate import Instance, exact_check, expansion_size, size_chunks, split_by_size
from symbp.judge.exact import exact_value
from symbp.judge.identity import _net_map, random_closed
from symbp.model.spec import NetworkSpec
from symbp.oracle.symbolic import SymbolicNetwork

X = se.symbols("x0:4")


def random_expr(rng, depth=4):
    """A random expression with shared subtrees, integer powers, functions and (sometimes) floats."""
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(list(X) + [se.Integer(rng.randint(1, 3)), se.Rational(1, 2)])
    kind = rng.choice(["add", "mul", "pow", "fn", "float"])
    a, b = random_expr(rng, depth - 1), random_expr(rng, depth - 1)
    if kind == "add":
        return a + b + a * b
    if kind == "mul":
        return a * (b + 1)
    if kind == "pow":
        return (a + b) ** rng.randint(2, 3)
    if kind == "fn":
        return se.sin(a + b) * a
    return 0.25 * a + b


def fresh_expansion_size(expr, cap=10 ** 12):
    """expansion_size as it was: a walk of its own, nothing remembered."""
    memo, biggest = {}, [1]

    def terms(e):
        if e in memo:
            return memo[e]
        args = e.args
        if not args:
            t = 1
        elif isinstance(e, se.Add):
            t = min(cap, sum(terms(a) for a in args))
        elif isinstance(e, se.Mul):
            t = 1
            for a in args:
                t = min(cap, t * terms(a))
        elif isinstance(e, se.Pow) and args[1].is_Integer and int(args[1]) > 0:
            base, n = terms(args[0]), int(args[1])
            t = min(cap, math.comb(base + n - 1, n)) if base < cap and n < 10 ** 4 else cap
        else:
            for a in args:
                terms(a)
            t = 1
        memo[e] = t
        biggest[0] = max(biggest[0], t)
        return t

    terms(se.sympify(expr))
    return biggest[0]


def fresh_nodes(inst, seen):
    stack, new = [s for s in inst.sides if isinstance(s, se.Basic)], set()
    while stack:
        e = stack.pop()
        if e not in seen and e not in new:
            new.add(e)
            stack.extend(e.args)
    return new


def fresh_chunks(instances, limit):
    chunks, seen = [[]], set()
    for inst in instances:
        new = fresh_nodes(inst, seen)
        if chunks[-1] and len(seen) + len(new) > limit:
            chunks.append([])
            seen, new = set(), fresh_nodes(inst, ())
        seen |= new
        chunks[-1].append(inst)
    return [c for c in chunks if c]


@pytest.mark.parametrize("seed", range(6))
def test_remembered_expansion_sizes_are_the_fresh_ones(seed):
    rng = random.Random(seed)
    exprs = [random_expr(rng) for _ in range(25)]
    exprs += [a - b for a, b in zip(exprs, exprs[1:])]       # differences of sides already seen, as the check forms
    for cap in (10 ** 12, 50):
        for e in exprs + exprs[::-1]:                        # asked again, in another order: the memo answers
            assert expansion_size(e, cap) == fresh_expansion_size(e, cap), e


@pytest.mark.parametrize("seed", range(6))
def test_chunks_and_the_size_split_are_the_walks(seed):
    rng = random.Random(seed)
    shared = random_expr(rng)
    instances = [Instance("", [shared * random_expr(rng, 3), random_expr(rng, 3), 1]) for _ in range(12)]
    for limit in (1, 5, 20, 60, 10 ** 6):
        for _ in range(2):
            assert [[id(i) for i in c] for c in size_chunks(instances, limit)] == \
                [[id(i) for i in c] for c in fresh_chunks(instances, limit)]
            small, large = split_by_size(instances, limit)
            assert [id(i) for i in small] == [id(i) for i in instances if len(fresh_nodes(i, ())) <= limit]
            assert [id(i) for i in large] == [id(i) for i in instances if len(fresh_nodes(i, ())) > limit]
    assert size_chunks([], 10) == []


@pytest.mark.parametrize("seed", range(6))
def test_the_size_bound_from_nodes_met_before_answers_as_the_count_does(seed, monkeypatch):
    """evaluate._within bounds the nodes by those met on earlier claims (any network): its answer is the count's,
    at every limit, the exact count included (where a bound of met nodes plus new ones would say too much)."""
    rng = random.Random(seed)
    monkeypatch.setattr(evaluate, "_MET", [set()])
    monkeypatch.setattr(evaluate, "_UNION_SIZES", {})
    for _ in range(4):      # nodes of other claims (and of none of these) met first
        evaluate._within([Instance("", [random_expr(rng), random_expr(rng)])], 10 ** 6)
    shared = random_expr(rng)
    instances = [Instance("", [shared * random_expr(rng, 3), random_expr(rng, 3)]) for _ in range(6)]
    count = len(set().union(*(fresh_nodes(i, ()) for i in instances)))
    assert len(evaluate._MET[0]) > 0
    for limit in sorted({1, count // 2, count - 1, count, count + 1, count + len(evaluate._MET[0]), 10 ** 6}):
        evaluate._UNION_SIZES.clear()
        assert evaluate._within(instances, limit) == (count <= limit), (limit, count)


def test_a_float_is_found_in_a_side_seen_before_without_it():
    x = X[0]
    assert exact_value(x / 2 + x ** 2) == x / 2 + x ** 2      # remembered: float-free
    assert exact_value(0.5 * x + x ** 2) == x / 2 + x ** 2     # equal-looking, with a float: still made exact
    side = 0.1 * x + se.sin(0.1 * x)
    for _ in range(2):
        assert exact_value(side) == se.Rational(1, 10) * x + se.sin(se.Rational(1, 10) * x)


def test_converted_rules_follow_the_rules_a_generic_cost_adds():
    net = SymbolicNetwork(NetworkSpec([1, 2, 2], activation="sigmoid", cost="generic", batch_size=2))
    p, rules = net.params[0], len(net.rules)
    e = net.a[0][2][0]
    assert net.diff(e, p) == e.diff(p).xreplace(dict(net.rules))   # the rules converted, before the cost's
    cost = net.cost                                           # building the cost adds its rules
    assert len(net.rules) > rules
    assert net.diff(cost, p) == cost.diff(p).xreplace(dict(net.rules))
    net.delta(0, 1)                                           # a cut pass: adds the cost's rules at its point
    assert net.diff(cost, p) == cost.diff(p).xreplace(dict(net.rules))
    assert net.closed(e) == e.xreplace(dict(net.closed_map))
    assert random_closed(e, net) == e.xreplace(dict(_net_map(net)))


def test_a_small_exact_check_runs_here_and_still_tells_wrong_from_right(monkeypatch):
    def no_fork(*_):
        raise AssertionError("forked a child for a small expansion")
    monkeypatch.setattr(evaluate, "run_forked", no_fork)
    x, y = X[:2]
    right = Instance("", [(x + y) ** 2, x ** 2 + 2 * x * y + y ** 2])
    wrong = Instance("", [(x + y) ** 2, x ** 2 + x * y + y ** 2])
    run = exact_check([[right], [right, wrong]], 60)
    assert not run.proven and not run.timed_out and run.results == [[[True]], [[True], [False]]]
    assert exact_check([[right]], 60).proven


def test_a_small_exact_check_past_its_time_limit_is_not_decided():
    x = X[0]
    run = exact_check([[Instance("", [(x + 1) ** 2, x ** 2 + 2 * x + 1])]], 1e-9)
    assert run.timed_out and not run.proven


def test_notation_names_are_read_as_they_are_now():
    names = {"a": "z"}
    nt = Notation(names=names)
    assert nt.canonical("a") == "z" and nt.all_names()["A"] == "Z"
    nt.all_names()["a"] = "q"                                 # a caller's copy: the notation is unchanged
    assert nt.canonical("a") == "z"
