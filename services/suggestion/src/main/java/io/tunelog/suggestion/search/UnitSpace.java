package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ParamDomain;
import io.tunelog.domain.spec.SearchSpace;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * A search space seen as the unit hypercube, one coordinate per parameter, so that the model-based
 * searchers can work on vectors and leave the domains' shapes here. A coordinate maps to a value by
 * the domain's own law: linearly or in log space, through the normal's quantile function, to an
 * integer or a category by cells of equal width. Integer and categorical values map back to the
 * middle of their cell. An inactive conditional parameter has no value, and NaN as its coordinate.
 */
public final class UnitSpace {
    private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

    private final SearchSpace space;
    private final List<String> names;
    private final List<ParamDomain> domains;

    public UnitSpace(SearchSpace space) {
        this.space = space;
        this.names = List.copyOf(space.params().keySet());
        this.domains = List.copyOf(space.params().values());
    }

    public int dimensions() {
        return names.size();
    }

    public String name(int dimension) {
        return names.get(dimension);
    }

    public ParamDomain domain(int dimension) {
        return domains.get(dimension);
    }

    /** How many values a categorical dimension has, or 0 for an ordered (numeric) one. */
    public int categories(int dimension) {
        List<Object> values = categoricalValues(domains.get(dimension));
        return values == null ? 0 : values.size();
    }

    /** The configuration at a point of the cube; only active parameters get a value. */
    public Map<String, Object> config(double[] unit) {
        Map<String, Object> config = new LinkedHashMap<>();
        for (int d = 0; d < names.size(); d++) {
            if (space.isActive(names.get(d), config)) {
                config.put(names.get(d), value(domains.get(d), unit[d]));
            }
        }
        return config;
    }

    /** The point of a configuration; NaN where a parameter is absent or holds a value outside its domain. */
    public double[] unit(Map<String, Object> config) {
        double[] u = new double[names.size()];
        for (int d = 0; d < names.size(); d++) {
            Object v = config.get(names.get(d));
            u[d] = v == null ? Double.NaN : unit(domains.get(d), v);
        }
        return u;
    }

    /** Which dimensions are active in a configuration (its parameters present). */
    public boolean[] active(Map<String, Object> config) {
        boolean[] active = new boolean[names.size()];
        for (int d = 0; d < names.size(); d++) {
            active[d] = config.containsKey(names.get(d));
        }
        return active;
    }

    /** The value of a domain at coordinate {@code u} in [0, 1]. */
    public static Object value(ParamDomain domain, double u) {
        u = Math.min(Math.max(u, 0.0), 1.0);
        if (domain instanceof ParamDomain.Uniform r) {
            double x = r.log()
                    ? StrictMath.exp(StrictMath.log(r.low()) + u * (StrictMath.log(r.high()) - StrictMath.log(r.low())))
                    : r.low() + u * (r.high() - r.low());
            return r.q() > 0 ? quantize(x, r.q(), r.low(), r.high()) : Math.min(x, Math.nextDown(r.high()));
        }
        if (domain instanceof ParamDomain.Normal n) {
            double p = Math.min(Math.max(u, 1e-12), 1 - 1e-12);
            double x = n.mean() + n.sd() * STANDARD_NORMAL.inverseCumulativeProbability(p);
            return n.q() > 0 ? Math.round(x / n.q()) * n.q() : x;
        }
        if (domain instanceof ParamDomain.IntRange i) {
            if (i.log()) {
                double x = StrictMath.exp(StrictMath.log(i.low()) + u * (StrictMath.log(i.max() + 1.0) - StrictMath.log(i.low())));
                return Math.min(Math.max((long) Math.floor(x), i.low()), i.max());
            }
            long k = Math.min((long) Math.floor(u * i.size()), i.size() - 1);
            return i.low() + k * Math.max(i.q(), 1);
        }
        List<Object> values = categoricalValues(domain);
        return values.get(Math.min((int) Math.floor(u * values.size()), values.size() - 1));
    }

    /** The coordinate of a value in its domain; NaN for a value the domain does not hold. */
    public static double unit(ParamDomain domain, Object value) {
        if (domain instanceof ParamDomain.Uniform r && value instanceof Number x) {
            double v = x.doubleValue();
            double u = r.log()
                    ? (StrictMath.log(v) - StrictMath.log(r.low())) / (StrictMath.log(r.high()) - StrictMath.log(r.low()))
                    : (v - r.low()) / (r.high() - r.low());
            return clamp(u);
        }
        if (domain instanceof ParamDomain.Normal n && value instanceof Number x) {
            return STANDARD_NORMAL.cumulativeProbability((x.doubleValue() - n.mean()) / n.sd());
        }
        if (domain instanceof ParamDomain.IntRange i && value instanceof Number x) {
            double v = x.doubleValue();
            if (i.log()) {
                return clamp((StrictMath.log(v + 0.5) - StrictMath.log(i.low())) / (StrictMath.log(i.max() + 1.0) - StrictMath.log(i.low())));
            }
            double k = Math.floor((v - i.low()) / Math.max(i.q(), 1));
            return clamp((k + 0.5) / i.size());
        }
        List<Object> values = categoricalValues(domain);
        int index = values == null ? -1 : values.indexOf(value);
        return index < 0 ? Double.NaN : (index + 0.5) / values.size();
    }

    /** The values of a choice or grid, or null for a numeric domain. */
    static List<Object> categoricalValues(ParamDomain domain) {
        return domain instanceof ParamDomain.Choice c ? c.values()
                : domain instanceof ParamDomain.Grid g ? g.values() : null;
    }

    /** The nearest multiple of q, kept inside [low, high] when one is. */
    private static double quantize(double x, double q, double low, double high) {
        double v = Math.round(x / q) * q;
        if (v < low) {
            v += q;
        }
        if (v > high) {
            v -= q;
        }
        return v;
    }

    private static double clamp(double u) {
        return Double.isNaN(u) ? Double.NaN : Math.min(Math.max(u, 0.0), 1.0);
    }
}
