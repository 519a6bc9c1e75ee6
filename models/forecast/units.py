"""Unit conversions at the boundary between the weather data, the physics and the instance.

windpowerlib works in W, K and Pa; pvlib in °C and W/m²; the instance in MW.
Every conversion of the forecast package goes through these helpers.

=================  ===========================  =========
name               meaning                      unit
=================  ===========================  =========
``ghi``            global horizontal irradiance  W/m²
``dni``            direct normal irradiance      W/m²
``dhi``            diffuse horizontal irrad.     W/m²
``temp_air``       air temperature (pvlib)       °C
``temperature``    air temperature (windpowerlib) K
``pressure``       air pressure                  Pa
``wind_speed``     wind speed                    m/s
=================  ===========================  =========
"""

from __future__ import annotations

ZERO_CELSIUS_K = 273.15

#: factors to m/s for the wind-speed units Open-Meteo writes in ``*_units``
WIND_SPEED_TO_M_PER_S = {
    "m/s": 1.0,
    "km/h": 1 / 3.6,
    "mp/h": 0.44704,
    "mph": 0.44704,
    "kn": 0.514444,
}
#: factors to Pa
PRESSURE_TO_PA = {"Pa": 1.0, "hPa": 100.0, "kPa": 1000.0}
IRRADIANCE_UNITS = {"W/m²", "W/m2", "W/m^2"}


def w_to_mw(value):
    """Convert power from W to MW."""
    return value / 1e6


def celsius_to_kelvin(value):
    """Convert temperature from °C to K."""
    return value + ZERO_CELSIUS_K


def kelvin_to_celsius(value):
    """Convert temperature from K to °C."""
    return value - ZERO_CELSIUS_K


def fahrenheit_to_celsius(value):
    """Convert temperature from °F to °C."""
    return (value - 32.0) * 5.0 / 9.0


def standard_pressure_pa(altitude_m):
    """Pressure of the ICAO standard atmosphere at ``altitude_m`` above sea level [Pa]."""
    return 101325.0 * (1.0 - 2.25577e-5 * altitude_m) ** 5.25588
