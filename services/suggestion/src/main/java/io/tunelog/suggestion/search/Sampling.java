package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ParamDomain;
import java.util.List;
import org.apache.commons.math3.random.RandomGenerator;

/** Draws one value from a parameter's domain. */
public final class Sampling {

    private Sampling() {}

    public static Object sample(ParamDomain domain, RandomGenerator random) {
        if (domain instanceof ParamDomain.Uniform u) {
            return u.low() + random.nextDouble() * (u.high() - u.low());
        }
        if (domain instanceof ParamDomain.LogUniform l) {
            return Math.exp(Math.log(l.low()) + random.nextDouble() * (Math.log(l.high()) - Math.log(l.low())));
        }
        if (domain instanceof ParamDomain.RandInt r) {
            return r.low() + (long) Math.floor(random.nextDouble() * (r.high() - r.low()));
        }
        List<Object> values = domain instanceof ParamDomain.Choice c ? c.values() : ((ParamDomain.Grid) domain).values();
        return values.get(random.nextInt(values.size()));
    }
}
