# New-style form of the config file of the same name under configs/.
globals().update(
    __import__('mmunirgbir.utils.packaged_config',
               fromlist=['_']).packaged_config(__file__))
