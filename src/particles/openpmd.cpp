// The openPMD layout (particles/openpmd.hpp).
#include "fluxrope/particles/openpmd.hpp"

#include <utility>

namespace fluxrope {

namespace {

H5Attribute named(std::string name, H5Attribute::Kind kind) {
  H5Attribute a;
  a.name = std::move(name);
  a.kind = kind;
  return a;
}
H5Attribute text(std::string name, std::string v) {
  H5Attribute a = named(std::move(name), H5Attribute::Kind::String);
  a.text = std::move(v);
  return a;
}
H5Attribute number(std::string name, double v) {
  H5Attribute a = named(std::move(name), H5Attribute::Kind::Double);
  a.number = v;
  return a;
}
H5Attribute numbers(std::string name, std::vector<double> v) {
  H5Attribute a = named(std::move(name), H5Attribute::Kind::Doubles);
  a.numbers = std::move(v);
  return a;
}
H5Attribute u32(std::string name, std::uint32_t v) {
  H5Attribute a = named(std::move(name), H5Attribute::Kind::UInt32);
  a.u32 = v;
  return a;
}
H5Attribute u64s(std::string name, std::vector<std::uint64_t> v) {
  H5Attribute a = named(std::move(name), H5Attribute::Kind::UInt64s);
  a.u64s = std::move(v);
  return a;
}
H5Attribute texts(std::string name, std::vector<std::string> v) {
  H5Attribute a = named(std::move(name), H5Attribute::Kind::Strings);
  a.texts = std::move(v);
  return a;
}

// openPMD unitDimension: powers of (L, M, T, I, theta, N, J)
std::vector<double> dims(std::initializer_list<double> d) {
  std::vector<double> v(d);
  v.resize(7, 0.0);
  return v;
}

// The attributes every particle record carries.
std::vector<H5Attribute> record(std::vector<double> unit_dimension, std::uint32_t macro_weighted,
                                double weighting_power) {
  return {numbers("unitDimension", std::move(unit_dimension)), number("timeOffset", 0.0),
          u32("macroWeighted", macro_weighted), number("weightingPower", weighting_power)};
}

}  // namespace

std::vector<H5Node> openpmd_layout(const std::vector<ParticleSet>& species, const FieldGrid& grid,
                                   const std::string& software_version,
                                   const std::string& config_toml) {
  std::vector<H5Node> out;
  auto group = [&](std::string path, std::vector<H5Attribute> attrs) {
    H5Node g;
    g.path = std::move(path);
    g.attrs = std::move(attrs);
    out.push_back(std::move(g));
  };
  auto dataset = [&](std::string path, const double* data, std::vector<std::uint64_t> shape,
                     std::vector<H5Attribute> attrs) {
    H5Node d;
    d.path = std::move(path);
    d.dataset = true;
    d.data = data;
    d.shape = std::move(shape);
    d.attrs = std::move(attrs);
    out.push_back(std::move(d));
  };
  group("/", {text("openPMD", "1.1.0"), u32("openPMDextension", 0), text("basePath", "/data/%T/"),
              text("meshesPath", "meshes/"), text("particlesPath", "particles/"),
              text("iterationEncoding", "groupBased"), text("iterationFormat", "/data/%T/"),
              text("software", "fluxrope"), text("softwareVersion", software_version),
              text("comment", "initial conditions: particles and fields of a kinetic flux-rope "
                              "equilibrium (fluxrope docs/simulation.md)"),
              text("config_toml", config_toml)});
  // dt has no meaning for an initial condition: 0 (the code chooses its own time step)
  group("/data/0", {number("time", 0.0), number("dt", 0.0), number("timeUnitSI", 1.0)});

  const int nd = grid.dims;
  const char* axis[3] = {"x", "y", "z"};
  std::vector<std::string> labels;
  std::vector<double> spacing, offset;
  std::vector<std::uint64_t> shape;
  for (int a = 0; a < nd; ++a) {
    labels.push_back(axis[a]);
    spacing.push_back(grid.spacing[a]);
    offset.push_back(grid.origin[a]);
    shape.push_back(static_cast<std::uint64_t>(grid.n_nodes[a]));
  }
  group("/data/0/meshes", {});
  for (const GridRecord& r : grid.records) {
    const std::string base = "/data/0/meshes/" + r.name;
    std::vector<double> ud(r.unit_dimension.begin(), r.unit_dimension.end());
    group(base, {text("geometry", "cartesian"), text("dataOrder", "C"), texts("axisLabels", labels),
                 numbers("gridSpacing", spacing), numbers("gridGlobalOffset", offset),
                 number("gridUnitSI", 1.0), numbers("unitDimension", ud), number("timeOffset", 0.0),
                 text("units", r.units)});
    for (int c = 0; c < 3; ++c) {
      std::vector<double> pos(r.offset[c].begin(), r.offset[c].begin() + nd);
      dataset(base + "/" + axis[c], r.component[c].data(), shape,
              {number("unitSI", 1.0), numbers("position", pos)});
    }
  }

  group("/data/0/particles", {});
  for (const ParticleSet& s : species) {
    const std::string base = "/data/0/particles/" + s.name;
    const std::uint64_t n = s.size();
    group(base, {number("fluxrope_mean_proposals", s.mean_proposals)});
    group(base + "/position", record(dims({1}), 0, 0.0));
    const std::vector<double>* pos[3] = {&s.x, &s.y, &s.z};
    for (int a = 0; a < nd; ++a)
      dataset(base + "/position/" + axis[a], pos[a]->data(), {n}, {number("unitSI", 1.0)});
    group(base + "/positionOffset", record(dims({1}), 0, 0.0));
    for (int a = 0; a < nd; ++a)
      group(base + "/positionOffset/" + axis[a],
            {number("value", 0.0), u64s("shape", {n}), number("unitSI", 1.0)});
    // momentum m v: unitSI = the mass, so that the stored values are the velocities [m/s]
    group(base + "/momentum", record(dims({1, 1, -1}), 0, 1.0));
    const std::vector<double>* vel[3] = {&s.vx, &s.vy, &s.vz};
    for (int a = 0; a < 3; ++a)
      dataset(base + "/momentum/" + axis[a], vel[a]->data(), {n}, {number("unitSI", s.mass_kg)});
    std::vector<H5Attribute> w = record(dims({}), 1, 1.0);
    w.push_back(number("unitSI", 1.0));
    dataset(base + "/weighting", s.w.data(), {n}, w);
    std::vector<H5Attribute> q = record(dims({0, 0, 1, 1}), 0, 1.0);
    for (H5Attribute a : {number("value", s.charge_C), u64s("shape", {n}), number("unitSI", 1.0)})
      q.push_back(a);
    group(base + "/charge", q);
    std::vector<H5Attribute> m = record(dims({0, 1}), 0, 1.0);
    for (H5Attribute a : {number("value", s.mass_kg), u64s("shape", {n}), number("unitSI", 1.0)})
      m.push_back(a);
    group(base + "/mass", m);
  }
  return out;
}

}  // namespace fluxrope
