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

}  // namespace fluxrope
