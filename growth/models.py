"""Growth curves for cumulative derivative counts, all with one interface.

Time convention
---------------
Every curve is a function of ``t``, months elapsed since the model's release, with
``C(0) = 0``. A curve frame's ``age_months`` (0 = release month, the cumulative count at
the END of that month) maps to ``t = age_months + time_offset``; the fitters default to
``time_offset = 1`` so that ``ln t`` is defined for every observed month. Series whose
month-0 value is the count AT release (as in Bhandari et al.'s data, always 0 there) use
``time_offset = 0``; ``t = 0`` is then the exact origin and ``ln 0 = -inf`` gives ``C = 0``.

Each curve works on an internal, unconstrained parameter vector ``theta`` (logs of positive
quantities) and exposes ``cumulative(t, theta)``, ``jacobian(t, theta)`` (d C / d theta),
``value_and_jacobian(prepare(t), thetas)`` (both at once for many parameter vectors, what the
fitters call),
``starts(t, c, m)`` (starting points from the data), ``bounds(c_last)``, ``natural(theta)``
(the published parameters) and ``ultimate(theta)`` (C at t -> infinity).

>>> import numpy as np
>>> wsb = WSB(m=30.0)
>>> theta = wsb.from_natural(2.0, 1.5, 1.0)
>>> round(float(wsb.ultimate(theta)), 1)
191.7
>>> bool(np.all(np.diff(wsb.cumulative(np.arange(0, 40.0), theta)) >= 0))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

_SQRT2 = np.sqrt(2.0)
_INV_SQRT2PI = 1.0 / np.sqrt(2.0 * np.pi)


def _phi_cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * special.erfc(-z / _SQRT2)


def _phi_pdf(z: np.ndarray) -> np.ndarray:
    return _INV_SQRT2PI * np.exp(-0.5 * z * z)


def _log_t(t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(t, dtype=float))


@dataclass(frozen=True)
class Curve:
    """Base class: a cumulative growth curve C(t; theta) with C(0) = 0.

    A curve's parameters are the vector ``theta`` (named by ``param_names``) given to each
    method, on an unbounded internal scale.

    Examples
    --------
    >>> [make_curve(name).param_names[0] for name in ("gompertz", "bass", "power-cutoff")]
    ['log_K', 'log_K', 'log_K']
    """

    name: str = "curve"
    param_names: tuple[str, ...] = ()

    @property
    def n_params(self) -> int:
        """Number of parameters.

        Examples
        --------
        >>> WSB().n_params
        3
        """
        return len(self.param_names)

    def cumulative(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """C(t); theta of shape (p,) or (p, n, 1) for n parameter vectors at once.

        Parameters
        ----------
        t : numpy.ndarray
            Months since release.
        theta : numpy.ndarray
            Internal parameters, shape (p,) or (p, n, 1) for n vectors at once.

        Returns
        -------
        numpy.ndarray
            C at each ``t``.

        Examples
        --------
        >>> Gompertz().cumulative(np.array([0.0, 10.0]), np.log([100.0, 3.0, 0.2])).round(2)
        array([ 0.  , 61.65])
        """
        raise NotImplementedError

    def jacobian(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """d C(t) / d theta, shape (len(t), n_params); central differences by default.

        Parameters
        ----------
        t : numpy.ndarray
            Months since release.
        theta : numpy.ndarray
            Internal parameters, shape (p,).

        Returns
        -------
        numpy.ndarray
            Shape (len(t), n_params).

        Examples
        --------
        >>> Gompertz().jacobian(np.array([1.0, 5.0]), np.log([100.0, 3.0, 0.2])).shape
        (2, 3)
        """
        theta = np.asarray(theta, dtype=float)
        out = np.empty((np.size(t), theta.size))
        for j in range(theta.size):
            h = 1e-5 * max(1.0, abs(theta[j]))
            up, dn = theta.copy(), theta.copy()
            up[j] += h
            dn[j] -= h
            out[:, j] = (self.cumulative(t, up) - self.cumulative(t, dn)) / (2 * h)
        return out

    def prepare(self, t: np.ndarray) -> np.ndarray:
        """The time grid in the form :meth:`value_and_jacobian` takes (computed once per fit).

        Parameters
        ----------
        t : array_like
            Months since release.

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> Gompertz().prepare([1, 2])
        array([1., 2.])
        """
        return np.asarray(t, dtype=float)

    def value_and_jacobian(
        self, prepared: np.ndarray, thetas: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """C and d C / d theta for ``n`` parameter vectors at once.

        ``prepared`` is ``prepare(t)``; ``thetas`` has shape (n, n_params). Returns C of
        shape (n, len(t)) and the Jacobian of shape (n_params, n, len(t)).

        Parameters
        ----------
        prepared : numpy.ndarray
            ``prepare(t)``.
        thetas : numpy.ndarray
            Parameter vectors, shape (n, n_params).

        Returns
        -------
        values, jacobian : numpy.ndarray
            Shapes (n, len(t)) and (n_params, n, len(t)).

        Examples
        --------
        >>> thetas = np.log([[100.0, 3.0, 0.2], [50.0, 1.0, 0.1]])
        >>> values, jac = Gompertz().value_and_jacobian(np.array([1.0, 5.0]), thetas)
        >>> values.round(2).tolist(), jac.shape
        ([[3.6, 28.19], [1.84, 8.87]], (3, 2, 2))
        """
        thetas = np.atleast_2d(thetas)
        values = np.array([self.cumulative(prepared, th) for th in thetas])
        jacobians = np.array([self.jacobian(prepared, th).T for th in thetas])
        return values, jacobians.transpose(1, 0, 2)

    def ultimate(self, theta: np.ndarray) -> np.ndarray:
        """C(t -> infinity); vectorised over trailing axes of theta.

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters (vectorised over trailing axes).

        Returns
        -------
        numpy.ndarray
            C(t -> infinity).

        Examples
        --------
        >>> round(float(Gompertz().ultimate(np.log([100.0, 3.0, 0.2]))), 2)
        95.02
        """
        raise NotImplementedError

    def natural(self, theta: np.ndarray) -> dict[str, float]:
        """The published parameters of ``theta``.

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters, shape (p,).

        Returns
        -------
        dict of str to float
            The published parameters by name.

        Examples
        --------
        >>> {k: round(v, 2) for k, v in Gompertz().natural(np.log([100.0, 3.0, 0.2])).items()}
        {'K': 100.0, 'b': 3.0, 'r': 0.2}
        """
        raise NotImplementedError

    def bounds(self, c_last: float) -> list[tuple[float, float]]:
        """Box bounds on ``theta`` for a series ending at ``c_last``.

        Parameters
        ----------
        c_last : float
            The series' last count (caps the ultimate count at 200 times it).

        Returns
        -------
        list of (float, float)
            Lower and upper bound of each entry of ``theta``.

        Examples
        --------
        >>> [round(float(np.exp(b)), 2) for b in Gompertz().bounds(10.0)[0]]  # K
        [0.01, 2000.0]
        """
        raise NotImplementedError

    def starts(self, t: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
        """Starting points for the fit, from the data.

        Parameters
        ----------
        t : numpy.ndarray
            Months since release of the observed points.
        c : numpy.ndarray
            The cumulative counts there.

        Returns
        -------
        list of numpy.ndarray
            Starting ``theta`` vectors for the optimiser.

        Examples
        --------
        >>> t, c = np.arange(1.0, 13.0), np.linspace(1.0, 60.0, 12)
        >>> len(Gompertz().starts(t, c))
        12
        """
        raise NotImplementedError


def _cap(c_last: float) -> float:
    """Largest ultimate count a fit may claim: 200 times the last count (at least 1,000)."""
    return 200.0 * max(float(c_last), 5.0)


@dataclass(frozen=True)
class WSB(Curve):
    """Wang-Song-Barabasi: C(t) = m (exp(lambda Phi((ln t - mu) / sigma)) - 1).

    ``m`` is a fixed scale (WSB's average number of references; here it sets how strongly
    early derivatives attract later ones): the ultimate count is ``m (e^lambda - 1)``.
    theta = (log lambda, mu, log sigma); mu is in log-months, so ``e^mu`` months is the
    typical time to peak attention.

    Parameters
    ----------
    m : float
        The fixed scale.

    Examples
    --------
    >>> wsb = WSB(m=30.0)
    >>> theta = wsb.from_natural(2.0, 1.5, 1.0)  # lambda, mu, sigma
    >>> round(float(wsb.ultimate(theta)), 1), wsb.cumulative(np.array([1.0, 12.0]), theta).round(2)
    (191.7, array([  4.29, 130.22]))
    """

    m: float = 30.0
    name: str = "wsb"
    param_names: tuple[str, ...] = ("log_lambda", "mu", "log_sigma")

    def from_natural(self, lam: float, mu: float, sigma: float) -> np.ndarray:
        """``theta`` from the published parameters.

        Parameters
        ----------
        lam, mu, sigma : float
            lambda, mu (log-months) and sigma.

        Returns
        -------
        numpy.ndarray
            ``theta = (log lambda, mu, log sigma)``.

        Examples
        --------
        >>> WSB().from_natural(2.0, 1.5, 1.0).round(3).tolist()
        [0.693, 1.5, 0.0]
        """
        return np.array([np.log(lam), mu, np.log(sigma)])

    def _parts(self, t, theta):
        lam, mu, sig = np.exp(theta[0]), theta[1], np.exp(theta[2])
        z = (_log_t(t) - mu) / sig
        e = np.exp(lam * _phi_cdf(z))
        return lam, sig, z, e

    def cumulative(self, t, theta):
        """C(t) = m (exp(lambda Phi((ln t - mu) / sigma)) - 1).

        Parameters
        ----------
        t : numpy.ndarray
            Months since release.
        theta : numpy.ndarray
            Internal parameters, shape (p,) or (p, n, 1) for n vectors at once.

        Returns
        -------
        numpy.ndarray
            C at each ``t``.

        Examples
        --------
        >>> theta = WSB(m=30.0).from_natural(2.0, 1.5, 1.0)
        >>> WSB(m=30.0).cumulative(np.array([0.0, 1.0, 12.0]), theta).round(2).tolist()
        [0.0, 4.29, 130.22]
        """
        _, _, _, e = self._parts(t, theta)
        return self.m * (e - 1.0)

    def jacobian(self, t, theta):
        """d C(t) / d theta in closed form, shape (len(t), 3).

        Parameters
        ----------
        t : numpy.ndarray
            Months since release.
        theta : numpy.ndarray
            Internal parameters, shape (p,).

        Returns
        -------
        numpy.ndarray
            Shape (len(t), n_params).

        Examples
        --------
        >>> theta = WSB(m=30.0).from_natural(2.0, 1.5, 1.0)
        >>> WSB(m=30.0).jacobian(np.array([1.0, 12.0]), theta).round(2).tolist()
        [[4.58, -8.88, 13.32], [268.42, -78.71, -77.52]]
        """
        theta = np.asarray(theta, dtype=float)[None]
        return self.value_and_jacobian(self.prepare(t), theta)[1][:, 0].T

    def prepare(self, t):
        """ln t, with t <= 0 mapped to ln(1e-300): there C and its derivatives are exactly 0.

        Parameters
        ----------
        t : array_like
            Months since release.

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> WSB().prepare(np.array([0.0, 1.0])).round(1).tolist()
        [-690.8, 0.0]
        """
        return np.log(np.maximum(np.asarray(t, dtype=float), 1e-300))

    def value_and_jacobian(self, prepared, thetas):
        """One fused pass: z, Phi(z), phi(z) and exp(lambda Phi) shared by C and its Jacobian.

        Parameters
        ----------
        prepared : numpy.ndarray
            ``prepare(t)``.
        thetas : numpy.ndarray
            Parameter vectors, shape (n, n_params).

        Returns
        -------
        values, jacobian : numpy.ndarray
            Shapes (n, len(t)) and (n_params, n, len(t)).

        Examples
        --------
        >>> values, jac = WSB().value_and_jacobian(WSB().prepare([1.0, 2.0]), np.zeros((4, 3)))
        >>> values.shape, jac.shape
        ((4, 2), (3, 4, 2))
        """
        thetas = np.atleast_2d(thetas)
        lam = np.exp(thetas[:, :1])
        sig = np.exp(thetas[:, 2:3])
        z = (prepared - thetas[:, 1:2]) / sig
        cdf = special.ndtr(z)
        me = self.m * np.exp(lam * cdf)
        value = me - self.m
        me *= lam
        pdf_me = _phi_pdf(z)
        pdf_me *= me
        jac = np.empty((3, *z.shape))
        np.multiply(me, cdf, out=jac[0])
        np.divide(pdf_me, -sig, out=jac[1])
        np.multiply(pdf_me, z, out=jac[2])
        np.negative(jac[2], out=jac[2])
        return value, jac

    def ultimate(self, theta):
        """The ultimate count C(t -> infinity) = m (e^lambda - 1).

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters (vectorised over trailing axes).

        Returns
        -------
        numpy.ndarray
            C(t -> infinity).

        Examples
        --------
        >>> round(float(WSB(m=30.0).ultimate(WSB(m=30.0).from_natural(2.0, 1.5, 1.0))), 1)
        191.7
        """
        return self.m * np.expm1(np.exp(theta[0]))

    def natural(self, theta):
        """The published parameters lambda, mu and sigma.

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters, shape (p,).

        Returns
        -------
        dict of str to float
            The published parameters by name.

        Examples
        --------
        >>> WSB().natural(WSB(m=30.0).from_natural(2.0, 1.5, 1.0))
        {'lambda': 2.0, 'mu': 1.5, 'sigma': 1.0}
        """
        return {
            "lambda": float(np.exp(theta[0])),
            "mu": float(theta[1]),
            "sigma": float(np.exp(theta[2])),
        }

    def bounds(self, c_last):
        """Bounds on (log lambda, mu, log sigma); lambda keeps the ultimate under the cap.

        Parameters
        ----------
        c_last : float
            The series' last count (caps the ultimate count at 200 times it).

        Returns
        -------
        list of (float, float)
            Lower and upper bound of each entry of ``theta``.

        Examples
        --------
        >>> [round(float(np.exp(b)), 2) for b in WSB(m=30.0).bounds(100.0)[2]]  # sigma
        [0.1, 10.0]
        """
        lam_max = np.log1p(_cap(c_last) / self.m)
        return [(np.log(1e-4), np.log(lam_max)), (-3.0, 7.0), (np.log(0.1), np.log(10.0))]

    def starts(self, t, c):
        """Closed form: for a guessed ultimate U, probit(log1p(c/m)/lambda) is linear in ln t
        (least-squares line for each of six guesses at once).

        Parameters
        ----------
        t : numpy.ndarray
            Months since release of the observed points.
        c : numpy.ndarray
            The cumulative counts there.

        Returns
        -------
        list of numpy.ndarray
            Starting ``theta`` vectors for the optimiser.

        Examples
        --------
        >>> t, c = np.arange(1.0, 13.0), np.linspace(1.0, 60.0, 12)
        >>> len(WSB(m=30.0).starts(t, c))
        6
        """
        c_last = float(c[-1])
        lo, hi = self.bounds(c_last)[0]
        keep = (t > 0) & (c > 0)
        log_t = np.log(t[keep])
        mults = np.array([1.05, 1.3, 2.0, 4.0, 10.0, 40.0])
        th = np.clip(np.log(np.log1p(mults * c_last / self.m)), lo, hi)
        frac = np.log1p(c[keep] / self.m) / np.exp(th)[:, None]
        ok = (frac > 0) & (frac < 1)
        n = ok.sum(axis=1)
        y = np.where(ok, special.ndtri(np.where(ok, frac, 0.5)), 0.0)
        x = np.where(ok, log_t, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            x_mean = x.sum(axis=1) / n
            y_mean = y.sum(axis=1) / n
            sxx = np.where(ok, (log_t - x_mean[:, None]) ** 2, 0.0).sum(axis=1)
            sxy = np.where(ok, (log_t - x_mean[:, None]) * (y - y_mean[:, None]), 0.0).sum(axis=1)
            slope = sxy / sxx
        spread = np.where(ok, log_t, -np.inf).max(axis=1) - np.where(ok, log_t, np.inf).min(axis=1)
        line = (n >= 2) & (spread > 0) & (slope > 1e-9)  # a flat probit is no line
        sig = np.where(line, 1.0 / np.where(line, slope, 1.0), 1.0)
        mu = np.where(line, x_mean - y_mean * sig, np.log(max(t[-1], 1.0)))
        return list(np.column_stack([th, mu, np.log(sig)]))


@dataclass(frozen=True)
class Gompertz(Curve):
    """Gompertz: C(t) = K (exp(-b e^{-r t}) - exp(-b)); theta = (log K, log b, log r).

    Examples
    --------
    >>> Gompertz().cumulative(np.array([0.0, 100.0]), np.log([100.0, 3.0, 0.2])).round(2)
    array([ 0.  , 95.02])
    """

    name: str = "gompertz"
    param_names: tuple[str, ...] = ("log_K", "log_b", "log_r")

    def cumulative(self, t, theta):
        """C(t) = K (exp(-b e^{-r t}) - exp(-b)).

        Parameters
        ----------
        t : numpy.ndarray
            Months since release.
        theta : numpy.ndarray
            Internal parameters, shape (p,) or (p, n, 1) for n vectors at once.

        Returns
        -------
        numpy.ndarray
            C at each ``t``.

        Examples
        --------
        >>> theta = np.log([100.0, 3.0, 0.2])
        >>> Gompertz().cumulative(np.array([0.0, 10.0]), theta).round(2).tolist()
        [0.0, 61.65]
        """
        k, b, r = np.exp(theta)
        t = np.asarray(t, dtype=float)
        return k * (np.exp(-b * np.exp(-r * t)) - np.exp(-b))

    def ultimate(self, theta):
        """The ultimate count C(t -> infinity) = K (1 - e^{-b}).

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters (vectorised over trailing axes).

        Returns
        -------
        numpy.ndarray
            C(t -> infinity).

        Examples
        --------
        >>> round(float(Gompertz().ultimate(np.log([100.0, 3.0, 0.2]))), 2)
        95.02
        """
        k, b, _ = np.exp(theta)
        return k * -np.expm1(-b)

    def natural(self, theta):
        """The published parameters K, b and r.

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters, shape (p,).

        Returns
        -------
        dict of str to float
            The published parameters by name.

        Examples
        --------
        >>> {k: round(v, 2) for k, v in Gompertz().natural(np.log([100.0, 3.0, 0.2])).items()}
        {'K': 100.0, 'b': 3.0, 'r': 0.2}
        """
        k, b, r = np.exp(theta)
        return {"K": float(k), "b": float(b), "r": float(r)}

    def bounds(self, c_last):
        """Bounds on (log K, log b, log r).

        Parameters
        ----------
        c_last : float
            The series' last count (caps the ultimate count at 200 times it).

        Returns
        -------
        list of (float, float)
            Lower and upper bound of each entry of ``theta``.

        Examples
        --------
        >>> [round(float(np.exp(b)), 2) for b in Gompertz().bounds(10.0)[0]]  # K
        [0.01, 2000.0]
        """
        return [
            (np.log(0.01), np.log(_cap(c_last))),
            (np.log(0.01), np.log(50.0)),
            (np.log(1e-3), np.log(5.0)),
        ]

    def starts(self, t, c):
        """Twelve starts: K at 1.2, 3 and 10 times the last count, two b, two r.

        Parameters
        ----------
        t : numpy.ndarray
            Months since release of the observed points.
        c : numpy.ndarray
            The cumulative counts there.

        Returns
        -------
        list of numpy.ndarray
            Starting ``theta`` vectors for the optimiser.

        Examples
        --------
        >>> t, c = np.arange(1.0, 13.0), np.linspace(1.0, 60.0, 12)
        >>> len(Gompertz().starts(t, c))
        12
        """
        c_last = max(float(c[-1]), 0.5)
        return [
            np.log([mult * c_last, b, r])
            for mult in (1.2, 3.0, 10.0)
            for b in (1.0, 3.0)
            for r in (0.05, 0.3)
        ]


@dataclass(frozen=True)
class Bass(Curve):
    """Bass diffusion: C(t) = K (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}); theta = logs.

    Examples
    --------
    >>> Bass().cumulative(np.array([0.0, 200.0]), np.log([50.0, 0.01, 0.3])).round(2)
    array([ 0., 50.])
    """

    name: str = "bass"
    param_names: tuple[str, ...] = ("log_K", "log_p", "log_q")

    def cumulative(self, t, theta):
        """C(t) = K (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).

        Parameters
        ----------
        t : numpy.ndarray
            Months since release.
        theta : numpy.ndarray
            Internal parameters, shape (p,) or (p, n, 1) for n vectors at once.

        Returns
        -------
        numpy.ndarray
            C at each ``t``.

        Examples
        --------
        >>> Bass().cumulative(np.array([0.0, 10.0]), np.log([50.0, 0.01, 0.3])).round(2).tolist()
        [0.0, 20.31]
        """
        k, p, q = np.exp(theta)
        e = np.exp(-(p + q) * np.asarray(t, dtype=float))
        return k * (1.0 - e) / (1.0 + (q / p) * e)

    def ultimate(self, theta):
        """The ultimate count C(t -> infinity) = K.

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters (vectorised over trailing axes).

        Returns
        -------
        numpy.ndarray
            C(t -> infinity).

        Examples
        --------
        >>> round(float(Bass().ultimate(np.log([50.0, 0.01, 0.3]))), 2)
        50.0
        """
        return np.exp(theta[0])

    def natural(self, theta):
        """The published parameters K, p and q.

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters, shape (p,).

        Returns
        -------
        dict of str to float
            The published parameters by name.

        Examples
        --------
        >>> {k: round(v, 2) for k, v in Bass().natural(np.log([50.0, 0.01, 0.3])).items()}
        {'K': 50.0, 'p': 0.01, 'q': 0.3}
        """
        k, p, q = np.exp(theta)
        return {"K": float(k), "p": float(p), "q": float(q)}

    def bounds(self, c_last):
        """Bounds on (log K, log p, log q).

        Parameters
        ----------
        c_last : float
            The series' last count (caps the ultimate count at 200 times it).

        Returns
        -------
        list of (float, float)
            Lower and upper bound of each entry of ``theta``.

        Examples
        --------
        >>> [round(float(np.exp(b)), 2) for b in Bass().bounds(10.0)[0]]  # K
        [0.01, 2000.0]
        """
        return [
            (np.log(0.01), np.log(_cap(c_last))),
            (np.log(1e-5), np.log(5.0)),
            (np.log(1e-5), np.log(5.0)),
        ]

    def starts(self, t, c):
        """Twelve starts: K at 1.2, 3 and 10 times the last count, two p, two q.

        Parameters
        ----------
        t : numpy.ndarray
            Months since release of the observed points.
        c : numpy.ndarray
            The cumulative counts there.

        Returns
        -------
        list of numpy.ndarray
            Starting ``theta`` vectors for the optimiser.

        Examples
        --------
        >>> t, c = np.arange(1.0, 13.0), np.linspace(1.0, 60.0, 12)
        >>> len(Bass().starts(t, c))
        12
        """
        c_last = max(float(c[-1]), 0.5)
        return [
            np.log([mult * c_last, p, q])
            for mult in (1.2, 3.0, 10.0)
            for p in (0.01, 0.1)
            for q in (0.05, 0.5)
        ]


@dataclass(frozen=True)
class PowerCutoff(Curve):
    """Power law with exponential cutoff: rate ~ t^(beta-1) e^(-t/tau), so
    C(t) = K P(beta, t/tau) (regularised lower incomplete gamma); theta = logs.

    Examples
    --------
    >>> PowerCutoff().cumulative(np.array([0.0, 500.0]), np.log([80.0, 1.0, 5.0])).round(2)
    array([ 0., 80.])
    """

    name: str = "power-cutoff"
    param_names: tuple[str, ...] = ("log_K", "log_beta", "log_tau")

    def cumulative(self, t, theta):
        """C(t) = K P(beta, t / tau).

        Parameters
        ----------
        t : numpy.ndarray
            Months since release.
        theta : numpy.ndarray
            Internal parameters, shape (p,) or (p, n, 1) for n vectors at once.

        Returns
        -------
        numpy.ndarray
            C at each ``t``.

        Examples
        --------
        >>> theta = np.log([80.0, 1.0, 5.0])
        >>> PowerCutoff().cumulative(np.array([0.0, 5.0]), theta).round(2).tolist()
        [0.0, 50.57]
        """
        k, beta, tau = np.exp(theta)
        return k * special.gammainc(beta, np.asarray(t, dtype=float) / tau)

    def ultimate(self, theta):
        """The ultimate count C(t -> infinity) = K.

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters (vectorised over trailing axes).

        Returns
        -------
        numpy.ndarray
            C(t -> infinity).

        Examples
        --------
        >>> round(float(PowerCutoff().ultimate(np.log([80.0, 1.0, 5.0]))), 2)
        80.0
        """
        return np.exp(theta[0])

    def natural(self, theta):
        """The published parameters K, beta and tau.

        Parameters
        ----------
        theta : numpy.ndarray
            Internal parameters, shape (p,).

        Returns
        -------
        dict of str to float
            The published parameters by name.

        Examples
        --------
        >>> {k: round(v, 2) for k, v in PowerCutoff().natural(np.log([80.0, 1.0, 5.0])).items()}
        {'K': 80.0, 'beta': 1.0, 'tau': 5.0}
        """
        k, beta, tau = np.exp(theta)
        return {"K": float(k), "beta": float(beta), "tau": float(tau)}

    def bounds(self, c_last):
        """Bounds on (log K, log beta, log tau).

        Parameters
        ----------
        c_last : float
            The series' last count (caps the ultimate count at 200 times it).

        Returns
        -------
        list of (float, float)
            Lower and upper bound of each entry of ``theta``.

        Examples
        --------
        >>> [round(float(np.exp(b)), 2) for b in PowerCutoff().bounds(10.0)[0]]  # K
        [0.01, 2000.0]
        """
        return [
            (np.log(0.01), np.log(_cap(c_last))),
            (np.log(0.05), np.log(20.0)),
            (np.log(0.1), np.log(1000.0)),
        ]

    def starts(self, t, c):
        """Twelve starts: K at 1.2, 3 and 10 times the last count, two beta, two tau.

        Parameters
        ----------
        t : numpy.ndarray
            Months since release of the observed points.
        c : numpy.ndarray
            The cumulative counts there.

        Returns
        -------
        list of numpy.ndarray
            Starting ``theta`` vectors for the optimiser.

        Examples
        --------
        >>> t, c = np.arange(1.0, 13.0), np.linspace(1.0, 60.0, 12)
        >>> len(PowerCutoff().starts(t, c))
        12
        """
        c_last = max(float(c[-1]), 0.5)
        return [
            np.log([mult * c_last, beta, tau])
            for mult in (1.2, 3.0, 10.0)
            for beta in (0.7, 2.0)
            for tau in (3.0, 30.0)
        ]


CURVES: dict[str, type[Curve]] = {
    "wsb": WSB,
    "gompertz": Gompertz,
    "bass": Bass,
    "power-cutoff": PowerCutoff,
}


def make_curve(name: str, m: float = 30.0) -> Curve:
    """A curve by name.

    Parameters
    ----------
    name : {"wsb", "gompertz", "bass", "power-cutoff"}
        The curve.
    m : float
        WSB's ``m`` (other curves have none).

    Returns
    -------
    Curve

    Examples
    --------
    >>> make_curve("bass").name, make_curve("wsb", m=10).m
    ('bass', 10)
    """
    if name not in CURVES:
        raise ValueError(f"name must be one of {', '.join(sorted(CURVES))}, got {name!r}")
    return WSB(m=m) if name == "wsb" else CURVES[name]()
