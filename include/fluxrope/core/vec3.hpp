#pragma once
// Minimal 3-vector for host/device physics (no Eigen inside kernels).
#include <cmath>

#include "fluxrope/core/hd.hpp"

namespace fluxrope {

struct Vec3 {
  double x = 0.0, y = 0.0, z = 0.0;
};

FLUXROPE_HD inline Vec3 operator+(Vec3 a, Vec3 b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z};
}
FLUXROPE_HD inline Vec3 operator-(Vec3 a, Vec3 b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
FLUXROPE_HD inline Vec3 operator*(double s, Vec3 a) {
  return {s * a.x, s * a.y, s * a.z};
}
FLUXROPE_HD inline double dot(Vec3 a, Vec3 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
FLUXROPE_HD inline Vec3 cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
FLUXROPE_HD inline double norm2(Vec3 a) {
  return dot(a, a);
}

// 3x3 matrix as three rows: a rotation between frames (e.g. DBCS -> GSE -> rope).
struct Mat3 {
  Vec3 r0{1, 0, 0}, r1{0, 1, 0}, r2{0, 0, 1};
};
FLUXROPE_HD inline Vec3 operator*(const Mat3& m, Vec3 v) {
  return {dot(m.r0, v), dot(m.r1, v), dot(m.r2, v)};
}
inline Mat3 operator*(const Mat3& a, const Mat3& b) {
  const Vec3 c0{b.r0.x, b.r1.x, b.r2.x}, c1{b.r0.y, b.r1.y, b.r2.y}, c2{b.r0.z, b.r1.z, b.r2.z};
  return {{dot(a.r0, c0), dot(a.r0, c1), dot(a.r0, c2)},
          {dot(a.r1, c0), dot(a.r1, c1), dot(a.r1, c2)},
          {dot(a.r2, c0), dot(a.r2, c1), dot(a.r2, c2)}};
}
inline Mat3 transpose(const Mat3& m) {
  return {{m.r0.x, m.r1.x, m.r2.x}, {m.r0.y, m.r1.y, m.r2.y}, {m.r0.z, m.r1.z, m.r2.z}};
}

}  // namespace fluxrope
