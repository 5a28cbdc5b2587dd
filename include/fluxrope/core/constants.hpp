#pragma once
// Physical constants, SI (CODATA 2018 exact/recommended values).
// The code works in SI throughout; unit conversions happen at the edges
// (config in, HDF5 out) via the factors below.

namespace fluxrope::constants {

inline constexpr double PI = 3.14159265358979323846;
inline constexpr double E_CHARGE = 1.602176634e-19;     // elementary charge [C] (exact)
inline constexpr double M_ELECTRON = 9.1093837015e-31;  // electron mass [kg]
inline constexpr double AMU = 1.66053906660e-27;        // atomic mass constant [kg]
inline constexpr double PROTON_MASS_AMU = 1.007276466621;  // proton mass [u]
inline constexpr double MU0 = 1.25663706212e-6;         // vacuum permeability [N/A^2]

// Edge conversions: multiply a config/HDF5 value by X_TO_SI to get SI.
inline constexpr double NT_TO_SI = 1e-9;      // nT -> T
inline constexpr double EV_TO_SI = E_CHARGE;  // eV -> J
inline constexpr double CM3_TO_SI = 1e6;      // cm^-3 -> m^-3
inline constexpr double KM_TO_SI = 1e3;       // km -> m
inline constexpr double KM_S_TO_SI = 1e3;     // km/s -> m/s
inline constexpr double MV_M_TO_SI = 1e-3;    // mV/m -> V/m
inline constexpr double NA_M2_TO_SI = 1e-9;   // nA/m^2 -> A/m^2

}  // namespace fluxrope::constants
