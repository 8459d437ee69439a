#!/usr/bin/python3
"""Independent reference for MtlOnnx's multi-task methods.

Written from the papers' definitions and applied to the gradient vectors themselves (not to the Gram matrix), with
different algorithms from the C# solvers where a solver is needed:

* MGDA, UPGrad, DualProj: enumeration of every active set of the small QP (exact for a handful of tasks);
* CAGrad, CAME-Grad: nested golden-section search over the simplex (the dual objective is convex);
* Nash-MTL: L-BFGS on log-weights in torch (float64);
* IMTL-G: the paper's closed form with the difference matrices D and U;
* ConFIG, Aligned-MTL: numpy's pseudo-inverse and symmetric eigensolver;
* FAMO: torch's Adam and autograd for the softmax Jacobian.

Usage: mtl_reference.py INPUT.json OUTPUT.json
"""

import itertools
import json
import math
import sys

import numpy as np
import torch


# ----------------------------------------------------------------------------------------------- helpers


def gram(J):
    return J @ J.T


def golden(f, lo, hi, iterations=80):
    ratio = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c = b - ratio * (b - a)
    d = a + ratio * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(d)
    return (a + b) / 2


def simplex_argmin(f, T):
    """Minimizes a convex function over the simplex for T = 1, 2, 3 by nested golden sections."""
    if T == 1:
        return np.array([1.0])
    if T == 2:
        x = golden(lambda a: f(np.array([a, 1 - a])), 0.0, 1.0)
        return np.array([x, 1 - x])
    if T == 3:
        def inner(a):
            y = golden(lambda b: f(np.array([a, b * (1 - a), (1 - b) * (1 - a)])), 0.0, 1.0, 60)
            return np.array([a, y * (1 - a), (1 - y) * (1 - a)])
        x = golden(lambda a: f(inner(a)), 0.0, 1.0, 60)
        return inner(x)
    raise ValueError("golden-section reference supports at most 3 tasks")


def bounded_qp_enumerate(H, u):
    """min v^T H v subject to v >= u, by trying every set of free indices (KKT check on each)."""
    T = len(u)
    best, best_value = None, math.inf
    for mask in itertools.product([False, True], repeat=T):
        free = [i for i in range(T) if mask[i]]
        fixed = [i for i in range(T) if not mask[i]]
        v = u.astype(float).copy()
        if free:
            rhs = -H[np.ix_(free, fixed)] @ u[fixed] if fixed else np.zeros(len(free))
            v[free] = np.linalg.lstsq(H[np.ix_(free, free)], rhs, rcond=None)[0]
        if np.any(v < u - 1e-12):
            continue
        grad = H @ v
        if fixed and np.any(grad[fixed] < -1e-10 * max(1.0, np.abs(grad).max())):
            continue
        value = v @ H @ v
        if value < best_value - 1e-15:
            best, best_value = v, value
    return best


def simplex_qp_enumerate(G):
    """min w^T G w over the simplex, by trying every support (KKT check on each)."""
    T = G.shape[0]
    best, best_value = None, math.inf
    for size in range(1, T + 1):
        for support in itertools.combinations(range(T), size):
            S = list(support)
            k = len(S)
            kkt = np.zeros((k + 1, k + 1))
            kkt[:k, :k] = G[np.ix_(S, S)]
            kkt[:k, k] = 1
            kkt[k, :k] = 1
            rhs = np.zeros(k + 1)
            rhs[k] = 1
            sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0]
            w = np.zeros(T)
            w[S] = sol[:k]
            if np.any(w < -1e-12) or abs(w.sum() - 1) > 1e-9:
                continue
            w = np.maximum(w, 0)
            value = w @ G @ w
            g = G @ w
            if np.all(g >= value - 1e-9 * max(1.0, np.trace(G))) and value < best_value - 1e-15:
                best, best_value = w, value
    return best


# ------------------------------------------------------------------------------------------- aggregators


def pcgrad(J, opts, state):
    out = np.zeros(J.shape[1])
    for i in range(J.shape[0]):
        g = J[i].copy()
        for j in range(J.shape[0]):
            d = g @ J[j]
            n2 = J[j] @ J[j]
            if d < 0 and n2 > 0:
                g = g - d / n2 * J[j]
        out += g
    return out


def gradvac(J, opts, state):
    T = J.shape[0]
    beta = opts.get("beta", 0.5)
    target = state.setdefault("target", np.zeros((T, T)))
    out = np.zeros(J.shape[1])
    for i in range(T):
        g = J[i].copy()
        for j in range(T):
            if j == i:
                continue
            ng, nj = np.linalg.norm(g), np.linalg.norm(J[j])
            if ng == 0 or nj == 0:
                continue
            phi = float(np.clip(g @ J[j] / (ng * nj), -1, 1))
            t = target[i, j]
            st = math.sqrt(1 - t * t)
            if phi < t and st > 0:
                g = g + ng * (t * math.sqrt(1 - phi * phi) - phi * st) / (nj * st) * J[j]
            target[i, j] = (1 - beta) * t + beta * phi
        out += g
    return out


def cagrad_direction(J, c):
    T = J.shape[0]
    g0 = J.mean(0)
    k = c * np.linalg.norm(g0)
    if k == 0:
        return g0
    w = simplex_argmin(lambda w: (w @ J) @ g0 + k * np.linalg.norm(w @ J), T)
    gw = w @ J
    return g0 + k * gw / np.linalg.norm(gw)


def cagrad(J, opts, state):
    c = opts.get("c", 0.4)
    rescale = {0: 1.0, 1: 1 + c * c, 2: 1 + c}[opts.get("rescale", 1)]
    return cagrad_direction(J, c) / rescale


def mgda(J, opts, state):
    w = simplex_qp_enumerate(gram(J))
    return w @ J


def imtlg(J, opts, state):
    # Paper, Algorithm 1: D = [g_1 - g_t], U = [u_1 - u_t], alpha_{2..T} = g_1 U^T (D U^T)^{-1}.
    u = J / np.linalg.norm(J, axis=1, keepdims=True)
    D = J[0] - J[1:]
    U = u[0] - u[1:]
    alpha = J[0] @ U.T @ np.linalg.inv(D @ U.T)
    weights = np.concatenate([[1 - alpha.sum()], alpha])
    return weights @ J


def nashmtl(J, opts, state):
    G = gram(J)
    G = G / np.linalg.norm(G)
    Gt = torch.tensor(G, dtype=torch.float64)
    beta = torch.zeros(G.shape[0], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([beta], lr=1, max_iter=500, tolerance_grad=1e-14, tolerance_change=1e-16,
                                  line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        alpha = torch.exp(beta)
        value = 0.5 * alpha @ Gt @ alpha - beta.sum()
        value.backward()
        return value

    for _ in range(5):
        optimizer.step(closure)
    alpha = torch.exp(beta).detach().numpy()
    update = alpha @ J
    max_norm = opts.get("max_norm", 1.0)
    norm = np.linalg.norm(update)
    if max_norm > 0 and norm > max_norm:
        update = update * max_norm / norm
    return update


def alignedmtl(J, opts, state):
    T = J.shape[0]
    lam, V = np.linalg.eigh(gram(J))
    keep = lam > 1e-10 * lam.max()
    lam, V = lam[keep], V[:, keep]
    B = math.sqrt(lam.min()) * V @ np.diag(1 / np.sqrt(lam)) @ V.T
    return (B @ np.full(T, 1.0 / T)) @ J


def dual_cone_weights(J, u, opts):
    G = gram(J)
    tr = np.trace(G)
    H = (G / tr if tr >= opts.get("norm_eps", 1e-4) and tr > 0 else np.zeros_like(G))
    H = H + opts.get("reg_eps", 1e-4) * np.eye(len(u))
    return bounded_qp_enumerate(H, u)


def upgrad(J, opts, state):
    T = J.shape[0]
    pref = np.array(opts.get("preference_weights", [1.0 / T] * T))
    weights = sum(dual_cone_weights(J, pref[i] * np.eye(T)[i], opts) for i in range(T))
    return weights @ J


def dualproj(J, opts, state):
    T = J.shape[0]
    pref = np.array(opts.get("preference_weights", [1.0 / T] * T))
    return dual_cone_weights(J, pref, opts) @ J


def config(J, opts, state):
    U = J / np.linalg.norm(J, axis=1, keepdims=True)
    direction = np.linalg.pinv(U) @ np.ones(J.shape[0])
    unit = direction / np.linalg.norm(direction)
    return (J @ unit).sum() * unit


def graddrop(J, opts, state, thresholds):
    leak = opts.get("leak", 0.0)
    purity = 0.5 * (1 + J.sum(0) / np.abs(J).sum(0))
    keep = ((purity > thresholds) & (J > 0)) | ((purity < thresholds) & (J < 0))
    return (J * (leak + (1 - leak) * keep)).sum(0)


def camegrad(J, opts, state):
    T = J.shape[0]
    lam = np.array(opts.get("task_weights", [1.0] * T))
    rho, kappa, nu = opts.get("rho", 0.5), opts.get("kappa", 1.5), opts.get("nu", 0.2)
    h = lam[:, None] * J
    g_ls = h.sum(0)
    d = cagrad_direction(h, rho)
    H = gram(h)
    energy = math.sqrt(np.maximum(H, 0).sum())
    d_hat = kappa * energy * d / np.linalg.norm(d)
    fusion = nu
    if opts.get("adaptive_fusion", True):
        fusion *= max(0.0, min(1.0, d @ g_ls / (np.linalg.norm(d) * np.linalg.norm(g_ls))))
    return (1 - fusion) * d_hat + fusion * g_ls


AGGREGATORS = {
    "sum": lambda J, o, s: J.sum(0),
    "mean": lambda J, o, s: J.mean(0),
    "pcgrad": pcgrad,
    "gradvac": gradvac,
    "cagrad": cagrad,
    "mgda": mgda,
    "imtlg": imtlg,
    "nashmtl": nashmtl,
    "alignedmtl": alignedmtl,
    "upgrad": upgrad,
    "dualproj": dualproj,
    "config": config,
    "camegrad": camegrad,
}


# -------------------------------------------------------------------------------------------- weightings


def famo(case):
    """FAMO (Liu et al., 2023): loss weights z_i / (c (L_i - m)) and the logit update from the log-loss decrease."""
    opts = case["options"]
    T = len(case["steps"][0]["losses"])
    w = torch.zeros(T, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=opts.get("w_lr", 0.025), weight_decay=opts.get("w_gamma", 1e-3))
    eps = 1e-8
    results = []
    for step in case["steps"]:
        losses = torch.tensor(step["losses"], dtype=torch.float64)
        after = torch.tensor(step["losses_after"], dtype=torch.float64)
        z = torch.softmax(w, -1).detach()
        D = losses + eps
        c = (z / D).sum()
        results.append((z / (c * D)).tolist())
        delta = torch.log(losses + eps) - torch.log(after + eps)
        with torch.enable_grad():
            d = torch.autograd.grad(torch.softmax(w, -1), w, grad_outputs=delta)[0]
        optimizer.zero_grad()
        w.grad = d
        optimizer.step()
    return results


def dwa(case):
    """DWA (Liu et al., 2019): T softmax(r / temperature) with r the ratio of the last two epoch-mean losses."""
    temperature = case["options"].get("temperature", 2.0)
    epochs = case["epochs"]
    T = len(epochs[0][0])
    means = [np.mean(np.array(e), axis=0) for e in epochs]
    results = []
    for e in range(len(epochs) + 1):
        if e < 2:
            results.append([1.0] * T)
        else:
            r = means[e - 1] / means[e - 2]
            x = np.exp(r / temperature)
            results.append((T * x / x.sum()).tolist())
    return results


def gradnorm(case):
    """GradNorm (Chen et al., 2018): weights T softmax(w); w follows the L1 gap to mean(G) r_i^alpha."""
    opts = case["options"]
    alpha = opts.get("alpha", 1.5)
    lr = opts.get("learning_rate", 1e-3)
    T = len(case["steps"][0]["losses"])
    w = torch.zeros(T, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=lr)
    initial = None
    results = []
    for step in case["steps"]:
        J = np.array(step["rows"], dtype=np.float64)
        losses = np.array(step["losses"], dtype=np.float64)
        if initial is None:
            initial = losses
        norms = torch.tensor(np.linalg.norm(J, axis=1))
        weights = T * torch.softmax(w, -1)
        results.append(weights.detach().tolist())
        G = weights * norms
        ratio = torch.tensor(losses / initial)
        target = (G.mean() * (ratio / ratio.mean()) ** alpha).detach()
        loss = (G - target).abs().sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return results


def dbmtl(case):
    """DB-MTL (Lin et al., 2023): EMA of log-loss gradients, each scaled to the largest EMA norm, then summed."""
    beta = case["options"].get("beta", 0.9)
    beta_sigma = case["options"].get("beta_sigma", 0.0)
    buffer = None
    results = []
    for k, step in enumerate(case["steps"], start=1):
        J = np.array(step["rows"], dtype=np.float64)
        losses = np.array(step["losses"], dtype=np.float64)
        g = J / (losses[:, None] + 1e-8)
        if buffer is None:
            buffer = np.zeros_like(g)
        b = beta / k ** beta_sigma
        buffer = g + b * (buffer - g)
        norms = np.linalg.norm(buffer, axis=1)
        scale = norms.max() / norms
        results.append((scale[:, None] * buffer).sum(0).tolist())
    return results


WEIGHTINGS = {"famo": famo, "dwa": dwa, "gradnorm": gradnorm, "dbmtl": dbmtl}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    output = {}
    for case in cases:
        method = case["method"]
        if method in WEIGHTINGS:
            output[case["id"]] = WEIGHTINGS[method](case)
            continue
        state = {}
        results = []
        for step in case["steps"]:
            J = np.array(step["rows"], dtype=np.float64)
            if method == "graddrop":
                update = graddrop(J, case["options"], state, np.array(step["thresholds"], dtype=np.float64))
            else:
                update = AGGREGATORS[method](J, case["options"], state)
            results.append(np.asarray(update, dtype=np.float64).tolist())
        output[case["id"]] = results
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(output, f)


if __name__ == "__main__":
    main()
