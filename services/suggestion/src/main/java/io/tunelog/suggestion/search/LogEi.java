package io.tunelog.suggestion.search;

import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.util.FastMath;

/**
 * The logarithm of expected improvement, computed stably (Ament et al. 2023, "Unexpected Improvements
 * to Expected Improvement"): for a minimisation with incumbent {@code best} and a Gaussian posterior
 * (mean, sd), EI = sd * h(z) with z = (best - mean) / sd and h(z) = phi(z) + z Phi(z). Where EI itself
 * underflows to zero, its logarithm still orders the candidates, so the acquisition never goes flat.
 */
public final class LogEi {
    private static final double LOG_SQRT_2PI = 0.5 * FastMath.log(2 * Math.PI);
    private static final double SQRT_HALF_PI = Math.sqrt(Math.PI / 2);
    private static final double SQRT2 = Math.sqrt(2);

    private LogEi() {}

    /** log EI for a minimisation. */
    public static double logEi(double mean, double sd, double best) {
        return FastMath.log(sd) + logH((best - mean) / sd);
    }

    /**
     * log h(z), h(z) = phi(z) + z Phi(z). Three branches: the direct expression for z > -1; for
     * -1e4 < z <= -1, h(z) = phi(z) (1 - |z| R(|z|)) with the Mills ratio R(x) = sqrt(pi/2) erfcx(x/sqrt2),
     * taken through log1mexp; below, the asymptotic series 1 - x R(x) = 1/x^2 - 3/x^4 + 15/x^6 - ....
     */
    public static double logH(double z) {
        if (z > -1) {
            double phi = FastMath.exp(-0.5 * z * z - LOG_SQRT_2PI);
            double cdf = 0.5 * Erf.erfc(-z / SQRT2);
            return FastMath.log(phi + z * cdf);
        }
        double x = -z;
        double logPhi = -0.5 * x * x - LOG_SQRT_2PI;
        if (x < 25) {
            // erfcx(t) = exp(t^2) erfc(t); erfc(25/sqrt2) ~ 1e-137 does not underflow.
            double t = x / SQRT2;
            double logXr = FastMath.log(x * SQRT_HALF_PI) + t * t + FastMath.log(Erf.erfc(t));
            return logPhi + log1mexp(logXr);
        }
        double inv2 = 1 / (x * x);
        // 1/x^2 (1 - 3/x^2 + 15/x^4 - 105/x^6 + 945/x^8)
        double series = 1 - inv2 * (3 - inv2 * (15 - inv2 * (105 - inv2 * 945)));
        return logPhi + FastMath.log(inv2) + FastMath.log(series);
    }

    /** log(1 - exp(a)) for a < 0, accurate near 0 and far from it. */
    static double log1mexp(double a) {
        return a > -StrictMath.log(2) ? FastMath.log(-FastMath.expm1(a)) : FastMath.log1p(-FastMath.exp(a));
    }
}
